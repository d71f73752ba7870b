/**
 * The files a README section shows: each fenced code block right after a line that names a
 * file as ``**`path`**``. The consumer test keeps them equal to the files it runs.
 */

/** The body of section `heading` (a `## ` heading) of `markdown`, up to the next `## `. */
export function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`the README has no section "## ${heading}"`);
  const next = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, next < 0 ? undefined : next);
}

/** The files shown in `text`: path -> content. */
export function shownFiles(text: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of text.matchAll(/^\*\*`([^`]+)`\*\*\n+```[a-z]*\n([\s\S]*?)^```$/gm)) {
    files.set(m[1], m[2]);
  }
  return files;
}
