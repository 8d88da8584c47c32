import { describe, it, expect } from 'vitest';
import { DEFAULT_BASE_IMAGE, buildImageArgv, chooseImage, imageExistsArgv } from '../../src/plan/image-plan.js';
import { docker, rootlessPodman } from './fixtures.js';

const HASH = 'abcdef0123456789abcdef0123456789';

describe('chooseImage', () => {
  it("defaults to shim's own image tagged with the recipe hash", () => {
    expect(chooseImage({}, {}, HASH)).toEqual({ ref: 'localhost/shim:abcdef012345', managed: true, source: 'recipe', base: DEFAULT_BASE_IMAGE });
    expect(DEFAULT_BASE_IMAGE).toBe('docker.io/library/debian:bookworm-slim');
  });
  it('uses settings "image" unmanaged', () => {
    expect(chooseImage({}, { image: 'my/img:1' }, HASH)).toMatchObject({ ref: 'my/img:1', managed: false, source: 'settings.json "image"' });
  });
  it('SHIM_IMAGE wins over settings', () => {
    expect(chooseImage({ SHIM_IMAGE: 'env/img' }, { image: 'my/img:1' }, HASH)).toMatchObject({ ref: 'env/img', managed: false, source: 'SHIM_IMAGE' });
  });
  it('base: SHIM_BASE_IMAGE, then settings base_image, then the default', () => {
    expect(chooseImage({ SHIM_BASE_IMAGE: 'e/base' }, { base_image: 's/base' }, HASH).base).toBe('e/base');
    expect(chooseImage({}, { base_image: 's/base' }, HASH).base).toBe('s/base');
    expect(chooseImage({ SHIM_BASE_IMAGE: '' }, {}, HASH).base).toBe(DEFAULT_BASE_IMAGE);
  });
  it('a different recipe hash gives a different tag', () => {
    expect(chooseImage({}, {}, HASH).ref).not.toBe(chooseImage({}, {}, '0'.repeat(32)).ref);
  });
});

describe('imageExistsArgv', () => {
  it('uses image exists with podman', () => {
    expect(imageExistsArgv(rootlessPodman(), 'x:1')).toEqual(['image', 'exists', 'x:1']);
  });
  it('uses image inspect with docker', () => {
    expect(imageExistsArgv(docker(), 'x:1')).toEqual(['image', 'inspect', '--format', '{{.Id}}', 'x:1']);
  });
});

describe('buildImageArgv', () => {
  it('builds from the staged context only, with base arg, label and tag', () => {
    const choice = chooseImage({}, {}, HASH);
    expect(buildImageArgv(choice, HASH, '/tmp/ctx')).toEqual([
      'build',
      '--build-arg',
      `BASE=${DEFAULT_BASE_IMAGE}`,
      '--label',
      `io.shim.recipe=${HASH}`,
      '--tag',
      'localhost/shim:abcdef012345',
      '--file',
      '/tmp/ctx/Containerfile',
      '/tmp/ctx',
    ]);
  });
});
