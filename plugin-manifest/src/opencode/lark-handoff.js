// lark-handoff for OpenCode: while this OpenCode instance holds a handoff, its permission prompts are asked in the
// Lark group (the same Approve / Approve All / Deny card Claude Code gets), its tool calls are shown there by the
// group's filter level, and the group's Stop button blocks further tool calls.
//
// The plugin only translates: OpenCode's events and hooks become the Claude Code hook JSON the lark-handoff daemon
// already answers at POST /hooks/<Event>, and the daemon's answers become OpenCode's replies. So OpenCode and Claude
// Code get one set of rules, kept in one place. Without a daemon, or without a handoff, every hook returns at once
// and OpenCode carries on as it would without this file.
//
// Install: copy this file to ~/.config/opencode/plugins/ (or <project>/.opencode/plugins/) next to the
// "lark-handoff" MCP server in opencode.json. No dependencies beyond what Node and Bun both provide.

import { readFileSync } from "node:fs";
import { request } from "node:http";
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { basename, join } from "node:path";

/** OpenCode's built-in tools under the names the daemon's rules (and Claude Code) use. */
const TOOL_NAMES = {
  bash: "Bash",
  edit: "Edit",
  multiedit: "MultiEdit",
  write: "Write",
  read: "Read",
  glob: "Glob",
  grep: "Grep",
  list: "LS",
  webfetch: "WebFetch",
  websearch: "WebSearch",
  task: "Task",
  todowrite: "TodoWrite",
  todoread: "TodoRead",
};

/** OpenCode's argument names, as Claude Code spells them. */
const ARG_NAMES = { filePath: "file_path", oldString: "old_string", newString: "new_string", replaceAll: "replace_all" };

const SERVER_NAME = "lark-handoff";
// Only the plugin itself is exported: OpenCode calls every function a plugin module exports as a plugin.
const OWN_TOOL_PREFIX = "mcp__lark-handoff__";

export const LarkHandoff = async ({ client, directory }) => {
  const home = process.env.LARK_HANDOFF_HOME || join(homedir(), ".lark-handoff");
  // One OpenCode instance is one lark-handoff session. Its MCP server learns the id from the config hook below;
  // an id the user set in opencode.json wins.
  let sessionId = usableId(process.env.LARK_HANDOFF_SESSION_ID) ?? defaultSessionId(directory);
  const ownPrefixes = new Set([sanitize(SERVER_NAME) + "_"]);
  /** Requests being asked in Lark, by id: what aborts the ask when OpenCode's own prompt answered first. */
  const asking = new Map();

  const log = (level, message) => {
    try {
      void client?.app?.log?.({ body: { service: "lark-handoff", level, message } })?.catch?.(() => {});
    } catch {
      // Logging must never fail a hook.
    }
  };

  /** Posts one hook to the daemon; the daemon's answer, or null for no daemon, no handoff or any failure. */
  const hook = (event, input, signal) => postHook(home, event, { ...input, hook_event_name: event, cwd: directory },
    sessionId, signal)
    .catch((e) => {
      log("warn", `hook ${event} failed: ${e.message}`);
      return null;
    });

  const ownTool = (tool) => [...ownPrefixes].some((p) => tool.startsWith(p));
  const claudeTool = (tool) => {
    for (const p of ownPrefixes) {
      if (tool.startsWith(p)) return OWN_TOOL_PREFIX + tool.slice(p.length);
    }
    return TOOL_NAMES[tool] ?? tool;
  };

  /** Asks the daemon about one permission request and gives OpenCode the answer; silent when nobody answers. */
  const bridge = async (permission) => {
    if (asking.has(permission.id)) return;
    const abort = new AbortController();
    asking.set(permission.id, abort);
    const tool = claudeTool(permission.tool);
    const answer = await hook("PermissionRequest", {
      session_id: permission.sessionID,
      request_id: permission.id,
      tool_name: tool,
      tool_input: permission.input,
      // Only so that "Approve All" comes back as updatedPermissions, which is OpenCode's "always".
      permission_suggestions: permission.always.length
        ? [{ type: "addRules", behavior: "allow", destination: "session",
            rules: permission.always.map((p) => ({ toolName: tool, ruleContent: p })) }]
        : [],
    }, abort.signal);
    asking.delete(permission.id);
    const decision = answer?.hookSpecificOutput?.decision;
    if (!decision || abort.signal.aborted) return; // no handoff, or OpenCode's own prompt decided
    const reply = decision.behavior !== "allow" ? "reject" : decision.updatedPermissions ? "always" : "once";
    try {
      await answerPermission(client, permission, reply, decision.message);
    } catch (e) {
      // Answered in the terminal meanwhile, most likely: the request is gone.
      log("info", `permission ${permission.id} could not be answered (${reply}): ${e.message}`);
    }
  };

  return {
    /** Points our MCP server at this instance's session id, so the daemon and the plugin agree on who is who. */
    config: async (cfg) => {
      for (const [name, server] of Object.entries(cfg?.mcp ?? {})) {
        if (!isLarkHandoff(name, server)) continue;
        ownPrefixes.add(sanitize(name) + "_");
        // OpenCode tells an MCP server nothing of its project (Claude Code sets CLAUDE_PROJECT_DIR): the handoff
        // names its group after the project, so the server is told here.
        if (server.type === "remote") {
          const headers = (server.headers ??= {});
          const key = Object.keys(headers).find((k) => k.toLowerCase() === "x-lark-handoff-session-id");
          const declared = key && usableId(headers[key]);
          if (declared) sessionId = declared;
          else headers[key ?? "X-Lark-Handoff-Session-Id"] = sessionId;
          if (isHeaderSafe(directory)) headers["X-Lark-Handoff-Meta-Cwd"] ??= directory;
        } else {
          const env = (server.environment ??= {});
          const declared = usableId(env.LARK_HANDOFF_SESSION_ID);
          if (declared) sessionId = declared;
          else env.LARK_HANDOFF_SESSION_ID = sessionId;
          env.LARK_HANDOFF_META_CWD ??= directory;
          env.LARK_HANDOFF_DELIVERY ??= "pull"; // OpenCode shows no channel notifications
        }
      }
    },

    /** Permission prompts, in each shape OpenCode has published them. Never awaited: the prompt may wait long. */
    event: async ({ event }) => {
      const permission = permissionOf(event);
      if (permission) {
        bridge(permission).catch((e) => log("warn", `permission ${permission.id}: ${e.message}`));
      } else if (event?.type === "permission.replied" || event?.type === "permission.v2.replied") {
        // Answered in OpenCode itself (or by our own reply): if Lark is still being asked, the card is withdrawn,
        // so nothing typed there later is taken for an answer to it.
        const id = event.properties?.requestID ?? event.properties?.permissionID;
        const pending = asking.get(id);
        if (pending) {
          pending.abort();
          asking.delete(id);
          void hook("PermissionWithdrawn", { session_id: event.properties?.sessionID, request_id: id });
        }
      }
    },

    /** The group's Stop: a tool call is refused while it is pressed (the handoff's own tools stay allowed). */
    "tool.execute.before": async (input, output) => {
      if (ownTool(input.tool)) return;
      const answer = await hook("PreToolUse", {
        session_id: input.sessionID,
        tool_name: claudeTool(input.tool),
        tool_input: claudeArgs(output?.args),
      });
      const out = answer?.hookSpecificOutput;
      if (out?.permissionDecision === "deny") throw new Error(out.permissionDecisionReason || "Denied from Lark.");
    },

    /** The call as the group's filter level shows it: a card, or a line on the working card. */
    "tool.execute.after": async (input, output) => {
      if (ownTool(input.tool)) return;
      const tool = claudeTool(input.tool);
      await hook("PostToolUse", {
        session_id: input.sessionID,
        tool_name: tool,
        tool_input: claudeArgs(input.args),
        tool_response: toolResponse(tool, output),
      });
    },

    /** The group is told; the summary keeps the handoff's instructions, as Claude Code's SessionStart does. */
    "experimental.session.compacting": async (input, output) => {
      await hook("PreCompact", { session_id: input.sessionID });
      const resume = await hook("SessionStart", { session_id: input.sessionID, source: "compact" });
      const context = resume?.hookSpecificOutput?.additionalContext;
      if (context && Array.isArray(output?.context)) output.context.push(context);
    },
  };
};

/**
 * A permission request from an OpenCode event, in one shape, or null: `permission.asked` (OpenCode 1.x),
 * `permission.v2.asked` (the newer API) and `permission.updated` (before 1.0).
 */
function permissionOf(event) {
  const p = event?.properties;
  if (typeof p?.id !== "string" || typeof p.sessionID !== "string") return null;
  switch (event.type) {
    case "permission.asked":
      return {
        id: p.id, sessionID: p.sessionID, api: "v1", tool: p.permission ?? "",
        input: permissionInput(p.permission, p.patterns ?? [], p.metadata ?? {}),
        always: p.always ?? [],
      };
    case "permission.v2.asked":
      return {
        id: p.id, sessionID: p.sessionID, api: "v2", tool: p.action ?? "",
        input: permissionInput(p.action, p.resources ?? [], p.metadata ?? {}),
        always: p.save ?? [],
      };
    case "permission.updated": {
      const patterns = p.pattern === undefined ? [] : [].concat(p.pattern);
      return {
        id: p.id, sessionID: p.sessionID, api: "legacy", tool: p.type ?? "",
        input: { ...permissionInput(p.type, patterns, p.metadata ?? {}), ...(p.title ? { title: p.title } : {}) },
        always: patterns,
      };
    }
    default:
      return null;
  }
}

/** What the card previews: the command or the file the request is about, else its patterns and metadata. */
function permissionInput(permission, patterns, metadata) {
  const input = claudeArgs(metadata) ?? {};
  if (permission === "bash" && !input.command && patterns.length) input.command = patterns.join("\n");
  if (["edit", "write", "read", "multiedit"].includes(permission) && !input.file_path) {
    const file = metadata.filepath ?? metadata.filePath ?? patterns[0];
    if (file) input.file_path = file;
  }
  if (!input.command && !input.file_path && patterns.length) input.patterns = patterns;
  return input;
}

/** OpenCode's tool arguments with Claude Code's names (nested edits too). */
function claudeArgs(args) {
  if (Array.isArray(args)) return args.map(claudeArgs);
  if (!args || typeof args !== "object") return args;
  const out = {};
  for (const [k, v] of Object.entries(args)) out[ARG_NAMES[k] ?? k] = claudeArgs(v);
  return out;
}

/** A tool's result as Claude Code reports it; a command's output and exit code come from OpenCode's metadata. */
function toolResponse(tool, output) {
  const metadata = output?.metadata ?? {};
  if (tool === "Bash") {
    return {
      stdout: typeof metadata.output === "string" ? metadata.output : String(output?.output ?? ""),
      stderr: "",
      exit_code: Number.isInteger(metadata.exit) ? metadata.exit : 0,
    };
  }
  return { title: output?.title ?? "", output: String(output?.output ?? "") };
}

/**
 * Answers a request through the client OpenCode gave the plugin (it reaches OpenCode in-process, whatever the
 * server's address). That client is the v1 SDK, whose only permission call takes no message; but a reject without
 * one ends the agent's turn, and in a handoff the agent must go on and hear why. So the call is pointed at the
 * reply route of the request's API, which takes the message; the v1 route is the fallback.
 */
async function answerPermission(client, permission, reply, message) {
  const body = { reply, ...(message ? { message } : {}) };
  const routes = permission.api === "v2"
    ? [{ url: "/api/session/{sessionID}/permission/{requestID}/reply",
        path: { sessionID: permission.sessionID, requestID: permission.id }, body }]
    : [{ url: "/permission/{requestID}/reply", path: { requestID: permission.id }, body },
      { url: "/session/{id}/permissions/{permissionID}",
        path: { id: permission.sessionID, permissionID: permission.id }, body: { response: reply } }];
  let error;
  for (const route of routes) {
    const result = await client.postSessionIdPermissionsPermissionId(route);
    if (!result?.error && (result?.response?.ok ?? true)) return;
    error = new Error(`${route.url}: ${JSON.stringify(result?.error ?? result?.response?.status)}`);
  }
  throw error;
}

function isLarkHandoff(name, server) {
  if (name === SERVER_NAME) return true;
  const command = Array.isArray(server?.command) ? server.command : [];
  return command.some((c) => typeof c === "string" && /^lark-handoff(\.jar)?$/.test(basename(c)));
}

/** OpenCode names an MCP server's tools `<server>_<tool>`, with the server name cleaned like this. */
function sanitize(name) {
  return name.replace(/[^a-zA-Z0-9_-]/g, "_");
}

/** Node refuses header values outside printable ASCII here; such a directory is simply not sent. */
function isHeaderSafe(value) {
  return typeof value === "string" && /^[\x20-\x7e]*$/.test(value);
}

/** A session id that can travel in a header, or undefined. */
function usableId(value) {
  return typeof value === "string" && /^[A-Za-z0-9._:@-]{1,128}$/.test(value) ? value : undefined;
}

/**
 * The project and this process: two OpenCode instances in one project are two sessions (one id would make their
 * MCP servers push each other off the daemon). A restarted OpenCode is a new session; handoff_start takes its
 * group over.
 */
function defaultSessionId(directory) {
  return "opencode-" + createHash("sha256").update(String(directory)).digest("hex").slice(0, 12) + "-" + process.pid;
}

/**
 * The daemon's hook socket and token, read on every call: the daemon may have restarted with a new token. Hooks go
 * only to the owner-only Unix socket in the owner-only home, never to a TCP port: once the daemon is gone, a port
 * named in a file may belong to another local user, who would get the token and could answer the hook. The token
 * still travels, so that a socket someone else made cannot be used.
 */
function daemon(home) {
  const socketPath = join(home, "http.sock");
  let token;
  try {
    token = readFileSync(join(home, "http.token"), "utf8").trim();
  } catch {
    return null; // never started here: no handoff
  }
  return token ? { socketPath, token } : null;
}

/**
 * POST /hooks/<event> with node:http. A permission request waits as long as the daemon's own timeout (15 minutes by
 * default) for someone in Lark to answer; every other hook holds up a tool call, so it gets ten seconds, as Claude
 * Code gives the same hooks.
 */
function postHook(home, event, input, sessionId, signal) {
  const d = daemon(home);
  if (!d) return Promise.resolve(null);
  const limit = event === "PermissionRequest" ? 3_700_000 : 10_000;
  const body = Buffer.from(JSON.stringify(input), "utf8");
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath: d.socketPath,
      path: `/hooks/${event}`,
      method: "POST",
      headers: {
        Authorization: `Bearer ${d.token}`,
        "Content-Type": "application/json",
        "Content-Length": body.length,
        "X-Lark-Handoff-Session-Id": sessionId,
      },
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) return reject(new Error(`daemon answered ${res.statusCode}: ${text.slice(0, 200)}`));
        try {
          resolve(text.trim() ? JSON.parse(text) : null);
        } catch (e) {
          reject(new Error(`daemon's answer is not JSON: ${e.message}`));
        }
      });
      res.on("error", reject);
      res.on("aborted", () => reject(new Error("the daemon closed the connection")));
    });
    req.setTimeout(limit, () => req.destroy(new Error(`no answer from the daemon within ${limit / 1000} s`)));
    // By hand rather than the `signal` option, which not every runtime's node:http honours.
    signal?.addEventListener("abort", () => {
      resolve(null);
      req.destroy();
    }, { once: true });
    // No socket, or one nobody listens on: no daemon, so no handoff.
    req.on("error", (e) => (e.code === "ECONNREFUSED" || e.code === "ENOENT" || signal?.aborted
      ? resolve(null) : reject(e)));
    req.end(body);
  });
}
