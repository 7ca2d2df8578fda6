// The token question: a modal dialog (keyboard-trapped by the browser), with the reason the last
// token was refused.
export function askToken(refusal: string | null): Promise<string | null> {
  const dialog = document.getElementById('token-dialog') as HTMLDialogElement;
  const input = document.getElementById('token-input') as HTMLInputElement;
  const error = document.getElementById('token-error') as HTMLElement;
  error.hidden = refusal === null;
  error.textContent = refusal ?? '';
  input.value = '';
  dialog.returnValue = '';
  dialog.showModal();
  input.focus();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        const token = input.value.trim();
        input.value = '';
        resolve(dialog.returnValue === 'ok' && token !== '' ? token : null);
      },
      { once: true },
    );
  });
}
