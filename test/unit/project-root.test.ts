// What "." means: the nearest directory holding .git or .shim.json, never $HOME or above, never "/",
// never above an MCP server's root. The file system is given as a set of existing paths.
import { describe, expect, it } from 'vitest';
import { describeProjectRoot, findProjectRoot } from '../../src/facts/project-root.js';

const HOME = '/nonexistent-home/u';
const find = (cwd: string, existing: string[], ceiling?: string) => findProjectRoot(cwd, HOME, (p) => existing.includes(p), ceiling);

describe('findProjectRoot', () => {
  it('picks the nearest directory holding .git (a directory or a worktree/submodule file)', () => {
    expect(find(`${HOME}/proj/src/lib`, [`${HOME}/proj/.git`])).toEqual({ path: `${HOME}/proj`, reason: 'git', marker: `${HOME}/proj/.git` });
    // a submodule's own .git wins over the superproject's
    expect(find(`${HOME}/proj/mod/src`, [`${HOME}/proj/.git`, `${HOME}/proj/mod/.git`]).path).toBe(`${HOME}/proj/mod`);
  });

  it('counts a .shim.json as a project root too', () => {
    expect(find(`${HOME}/proj/src`, [`${HOME}/proj/.shim.json`])).toMatchObject({ path: `${HOME}/proj`, reason: 'shim-json' });
  });

  it('is the current directory when nothing marks a project', () => {
    expect(find(`${HOME}/notes/2026`, [])).toEqual({ path: `${HOME}/notes/2026`, reason: 'cwd' });
  });

  it('never climbs to $HOME (a dotfiles repository there) or above', () => {
    expect(find(`${HOME}/notes`, [`${HOME}/.git`, '/nonexistent-home/.git'])).toEqual({ path: `${HOME}/notes`, reason: 'cwd' });
    // control: the same marker one level below $HOME is found
    expect(find(`${HOME}/notes/x`, [`${HOME}/notes/.git`]).path).toBe(`${HOME}/notes`);
  });

  it('outside $HOME, climbs up to but never including "/"', () => {
    expect(find('/srv/app/src', ['/srv/app/.git']).path).toBe('/srv/app');
    expect(find('/srv/app/src', ['/.git'])).toEqual({ path: '/srv/app/src', reason: 'cwd' });
  });

  it('never goes above a ceiling (an MCP server started for a subdirectory of a repository)', () => {
    expect(find(`${HOME}/proj/sub/src`, [`${HOME}/proj/.git`], `${HOME}/proj/sub`)).toEqual({ path: `${HOME}/proj/sub/src`, reason: 'cwd' });
    expect(find(`${HOME}/proj/sub/src`, [`${HOME}/proj/sub/.git`], `${HOME}/proj/sub`).path).toBe(`${HOME}/proj/sub`);
  });

  it('says why, for explain', () => {
    expect(describeProjectRoot({ path: '/p', reason: 'git' })).toBe('the nearest directory holding .git');
    expect(describeProjectRoot({ path: '/p', reason: 'cwd' })).toMatch(/^the current directory/);
  });
});
