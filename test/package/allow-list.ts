// What the npm tarballs may hold: what a user needs to run floodwatch, nothing of its development.

/** The main package: the compiled JavaScript, the engine's loader, the files it reads at run time, and the docs. */
export const MAIN_PACKAGE_FILES = [
  /^dist\/.+\.js$/,
  /^dist\/web\/(index\.html|assets\/[\w-]+\.css)$/,
  /^native\/index\.cjs$/,
  /^config\/floodwatch\.example\.yaml$/,
  /^proto\/.+\.proto$/,
  /^packaging\/floodwatch\.service$/,
  /^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/,
];

/** What the main package cannot run without. */
export const MAIN_PACKAGE_NEEDS = [
  'package.json',
  'dist/cli/main.js',
  'dist/web/index.html',
  'native/index.cjs',
  'config/floodwatch.example.yaml',
  'proto/gobgp/gobgp.proto',
  'proto/gobgp/attribute.proto',
  'packaging/floodwatch.service',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
];

/** A platform package: its .node and nothing else but its manifest, readme and licence. */
export function platformPackageFiles(platform: string): string[] {
  return ['LICENSE', 'README.md', `floodwatch.${platform}.node`, 'package.json'];
}

/** The paths of `files` that no pattern allows. */
export function notAllowed(files: string[], allowed: RegExp[]): string[] {
  return files.filter((file) => !allowed.some((pattern) => pattern.test(file)));
}
