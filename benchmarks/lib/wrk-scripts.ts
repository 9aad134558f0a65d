// wrk's Lua scripts for the benchmarks: TFB's pipelining and a rotation over several paths.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** TFB's toolset/wrk/pipeline.lua: `depth` requests sent as one write. */
const PIPELINE_LUA = `init = function(args)
  local r = {}
  local depth = tonumber(args[1]) or 1
  for i = 1, depth do
    r[i] = wrk.format()
  end
  req = table.concat(r)
end

request = function()
  return req
end
`;

/** Each request takes the next of the paths given as script arguments. */
const ROTATE_LUA = `local paths = {}
local next = 0
init = function(args)
  for i, p in ipairs(args) do paths[i] = p end
end

request = function()
  next = next % #paths + 1
  return wrk.format(nil, paths[next])
end
`;

let scripts: { pipeline: string; rotate: string } | null = null;

/** The Lua scripts, written once per process to a temporary folder (wrk reads them from files). */
export function scriptFiles(): { pipeline: string; rotate: string } {
  if (scripts) return scripts;
  const dir = mkdtempSync(path.join(tmpdir(), 'typhoon-wrk-'));
  scripts = { pipeline: path.join(dir, 'pipeline.lua'), rotate: path.join(dir, 'rotate.lua') };
  writeFileSync(scripts.pipeline, PIPELINE_LUA);
  writeFileSync(scripts.rotate, ROTATE_LUA);
  return scripts;
}
