// File-system checks shared by the config loader and the resource script lookup.
import { accessSync, constants, statSync } from 'node:fs';

/**
 * A regular file this process may execute: ResourceManager's scriptpath() test (`[ -f X -a -x X ]`),
 * so a directory or a file without the x bit does not count.
 */
export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
