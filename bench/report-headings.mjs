// The "## " headings that mark each benchmark group's section in BENCHMARKS.md (a section is
// recognised by its heading's start, so the rest of the heading can say what was measured).
export const HEADINGS = {
  loopback: '## Loopback: ',
  throttled: '## Throttled link: ',
  memory: '## Memory and main thread: ',
};
