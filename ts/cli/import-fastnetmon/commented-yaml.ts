// YAML text with comments: a header, comments after values and before keys.
import { Document, isMap, isScalar, type Node } from 'yaml';

/** Keys and list indexes from the top of the document. */
export type YamlPath = (string | number)[];

/** Comments to attach to the YAML: after a value, or before a key. */
export class YamlComments {
  readonly after: [YamlPath, string][] = [];
  readonly before: [YamlPath, string][] = [];
}

export function renderCommentedYaml(value: Record<string, unknown>, headerText: string, comments: YamlComments): string {
  const document = new Document(value, { aliasDuplicateObjects: false });
  document.commentBefore = headerText;
  for (const [path, text] of comments.after) {
    const node = document.getIn(path, true) as Node | undefined;
    if (node) node.comment = commentLines(text);
  }
  for (const [path, text] of comments.before) {
    const parent = path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true);
    if (!isMap(parent)) continue;
    const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === path[path.length - 1]);
    if (pair && isScalar(pair.key)) pair.key.commentBefore = commentLines(text);
  }
  return document.toString({ lineWidth: 0 });
}

function commentLines(text: string): string {
  return text
    .split('\n')
    .map((line) => ` ${line}`)
    .join('\n');
}
