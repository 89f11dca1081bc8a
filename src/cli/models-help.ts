import { DEFAULT_IDLE_TIMEOUT_MS } from '../models/fetch.js';

/** Help text per `ringmem models` command (`models` is the overview). */
export const HELP: Record<string, string> = {
  models: `Usage: ringmem models <command> [options]

Manage embedding models.

Commands:
  list             models ringmem knows, their size and whether they are installed
  fetch <id>       download a model into the per-user cache and verify it
  verify [id]      check size and sha256 of every file of an installed model
  path [id]        print the directory a model resolves to

Run \`ringmem models <command> --help\` for the options of a command.
`,
  list: `Usage: ringmem models list [--json]

Lists the known models (id, size, dim, pooling, installed?, where, notes).
"installed" means every file is present with its pinned size; run \`verify\` for the sha256 check.

Options:
  --json           print a JSON object instead of a table
`,
  fetch: `Usage: ringmem models fetch <id> [--from DIR|URL] [--force] [--dir DIR] [--idle-timeout S] [--retries N]

Downloads every file of a model, resuming partial files, and refuses any file whose size or
sha256 differs from the pinned one. Source: HF_ENDPOINT or https://huggingface.co by default.

Options:
  --from DIR|URL     a mirror directory (files as DIR/<path> or DIR/<repo>/<path>) or base URL
  --force            download every file again, even if present and verified
  --dir DIR          install into DIR instead of the cache (then use it as RINGMEM_MODEL_DIR)
  --idle-timeout S   give up when no byte arrives for S seconds (default ${DEFAULT_IDLE_TIMEOUT_MS / 1000})
  --retries N        extra attempts after a dropped connection or stall (default 3)

Environment: RINGMEM_CACHE_DIR (cache root), HF_ENDPOINT (hub mirror).
`,
  verify: `Usage: ringmem models verify [id] [--dir DIR] [--json]

Checks size and sha256 of every file of a model and reports each file. Exit status 1 when any
file is missing or differs. Without an id, verifies the model ringmem would use.

Options:
  --dir DIR        verify the model in DIR (default: RINGMEM_MODEL_DIR, built-in, then cache)
  --json           print a JSON report
`,
  path: `Usage: ringmem models path [id] [--dir DIR]

Prints the directory the model resolves to (explicit dir / RINGMEM_MODEL_DIR, then the built-in
model, then the per-user cache). Exit status 1 when it is not installed.

Options:
  --dir DIR        resolve against DIR as an explicit model directory
`,
};

export function helpText(topic: string): string {
  return HELP[topic] ?? (HELP.models as string);
}
