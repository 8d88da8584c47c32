// The git traps an agent can plant in its copy (hooks, core.fsmonitor, core.pager, filter and diff
// drivers named by .gitattributes, a gpg program) and the plain git commands that set each one off: the
// controls that show a trap is live, so its silence under shim's diff / apply / discard means something.

/** The marker each trap leaves (trap.sh touches <traps>/<name>). */
export const TRAP_NAMES = [
  'hook-pre-commit',
  'hook-post-commit',
  'hook-post-checkout',
  'hook-post-index-change',
  'hook-reference-transaction',
  'fsmonitor',
  'pager',
  'clean',
  'smudge',
  'diffcmd',
  'textconv',
  'gpg',
] as const;

const HOOKS = TRAP_NAMES.filter((n) => n.startsWith('hook-')).map((n) => n.slice(5));

/** The shell script the agent runs in its copy (its working directory): a commit of files its
 *  .gitattributes hands to drivers, then the traps, then uncommitted edits of those files. `trap` is the
 *  host path of a script that records its first argument. */
export function plantTrapsScript(trap: string): string {
  const q = `'${trap}'`;
  return [
    `printf '*.f filter=trap\\n*.ext diff=ext\\n*.tc diff=tc\\n' > .gitattributes`,
    'echo f > x.f && echo e > y.ext && echo t > z.tc',
    'git add .gitattributes x.f y.ext z.tc && git commit -qm "c: files with drivers"',
    'mkdir -p .git/hooks',
    `for h in ${HOOKS.join(' ')}; do printf '#!/bin/sh\\n%s hook-%s </dev/null\\n' ${q} "$h" > .git/hooks/$h && chmod +x .git/hooks/$h; done`,
    `git config core.fsmonitor "${trap} fsmonitor"`,
    `git config core.pager "${trap} pager"`,
    `git config filter.trap.clean "${trap} clean"`,
    `git config filter.trap.smudge "${trap} smudge"`,
    `git config diff.ext.command "${trap} diffcmd"`,
    `git config diff.tc.textconv "${trap} textconv"`,
    'git config commit.gpgsign true',
    // gpg.program is run without a shell: a script of its own
    `git config gpg.program "${trap}-gpg"`,
    'echo more >> x.f && echo more >> y.ext && echo more >> z.tc',
  ].join(' && ');
}

/** Plain git in the copy, as a user would run it there: together they set off every trap. */
export function trapControls(copy: string): string[][] {
  return [
    ['git', 'status'], // fsmonitor
    ['git', 'diff', 'HEAD', '--', 'y.ext'], // diff.ext.command
    ['git', 'diff', 'HEAD', '--', 'z.tc'], // diff.tc.textconv
    ['script', '-qec', `git -C '${copy}' log -1`, '/dev/null'], // core.pager (needs a terminal)
    ['git', 'add', 'x.f'], // clean filter, post-index-change
    ['git', 'commit', '-q', '--no-gpg-sign', '-am', 'control'], // pre-commit, post-commit, reference-transaction
    ['git', 'commit', '-q', '--allow-empty', '-m', 'signed'], // gpg.program
    ['sh', '-c', 'rm x.f && git checkout -- x.f'], // smudge filter
    ['git', 'checkout', '-q', '-b', 'control-branch'], // post-checkout
  ];
}
