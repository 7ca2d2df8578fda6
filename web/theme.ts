// Dark or light: the system's choice (prefers-color-scheme) unless the toggle says otherwise,
// remembered in localStorage.
const KEY = 'floodwatch.theme';
const CHOICES = ['auto', 'dark', 'light'] as const;
type Choice = (typeof CHOICES)[number];

const listeners = new Set<() => void>();

export function setupTheme(button: HTMLButtonElement): void {
  let choice = (localStorage.getItem(KEY) as Choice | null) ?? 'auto';
  const apply = () => {
    if (choice === 'auto') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = choice;
    button.textContent = `Theme: ${choice}`;
    for (const listener of listeners) listener();
  };
  button.addEventListener('click', () => {
    choice = CHOICES[(CHOICES.indexOf(choice) + 1) % CHOICES.length]!;
    localStorage.setItem(KEY, choice);
    apply();
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', apply);
  apply();
}

/** Called when the colours change (charts redraw with them). */
export function onThemeChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** A CSS custom property of the page, as the theme in force sets it. */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
