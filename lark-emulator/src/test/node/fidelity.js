'use strict';
/*
 * Drives Lark's official Node SDK (@larksuiteoapi/node-sdk, pinned in package-lock.json) against a
 * lark-emulator, for NodeSdkFidelityTest.
 *
 *   node fidelity.js <baseUrl> <appId> <appSecret> <scenario> [key=value ...]
 *
 * Each argument can also come from the environment: FIDELITY_BASE_URL, FIDELITY_APP_ID,
 * FIDELITY_APP_SECRET, FIDELITY_SCENARIO; key=value options also as FIDELITY_<KEY>.
 *
 * stdout carries only observations, one JSON object per line ({"event": ...}), so the Java side can
 * drive the emulator's control API in step. Everything else (the SDK's own logging, our diagnostics)
 * goes to stderr. The process exits by itself: 0 once the scenario is done, 1 on a failure, 2 on
 * its timeout (option timeout_ms, default 30000), and early when its stdin is a pipe that gets closed.
 *
 * Scenarios:
 *   message  WSClient; emits {"event":"message",...} for each im.message.receive_v1, done after `count` (1).
 *   card     WSClient + Client; sends an interactive card with an "Approve" button to `chat_id`, emits
 *            {"event":"sent",message_id}, answers card.action.trigger with a toast and a replacement card,
 *            emits {"event":"card",...}; done after the first card action.
 *   rest     Client only; uploads a PNG, sends it as an image message to `chat_id`, sends a text message,
 *            reads the image message back and emits {"event":"rest",...}.
 *   idle     WSClient; connects and stays `duration_ms` (3000) doing nothing but its pings.
 */

// The SDK and its dependencies must never write to stdout: stdout is our protocol.
for (const level of ['log', 'info', 'debug', 'trace', 'warn']) {
  console[level] = (...args) => console.error(`[${level}]`, ...args);
}

const lark = require('@larksuiteoapi/node-sdk');

const positional = [];
const options = {};
for (const arg of process.argv.slice(2)) {
  const eq = arg.indexOf('=');
  if (eq > 0 && !/^[a-z]+:\/\//i.test(arg)) {
    options[arg.slice(0, eq)] = arg.slice(eq + 1);
  } else {
    positional.push(arg);
  }
}
const env = (name) => process.env[`FIDELITY_${name.toUpperCase()}`];
const opt = (name, fallback) => options[name] ?? env(name) ?? fallback;

const baseUrl = (positional[0] ?? env('base_url') ?? '').replace(/\/+$/, '');
const appId = positional[1] ?? env('app_id');
const appSecret = positional[2] ?? env('app_secret');
const scenario = positional[3] ?? env('scenario');
const timeoutMs = Number(opt('timeout_ms', '30000'));
const logLevelName = opt('log_level', 'info');

function emit(observation) {
  process.stdout.write(`${JSON.stringify(observation)}\n`);
}

let exiting = false;
let wsClient = null;
let pongsRead = 0;

function finish(code, observation) {
  if (exiting) {
    return;
  }
  exiting = true;
  if (observation) {
    emit(observation);
  }
  try {
    if (wsClient) {
      wsClient.close({ force: true });
    }
  } catch (e) {
    console.error('closing the WSClient failed:', e);
  }
  // Let stdout drain before leaving.
  process.stdout.write('', () => process.exit(code));
}

function fail(where, error) {
  const detail = error && error.response
    ? { status: error.response.status, body: error.response.data }
    : undefined;
  // Axios errors drag the whole request along; the message, status and body are what matter.
  console.error(`${where} failed:`, detail ? `${error.message} ${JSON.stringify(detail)}` : error);
  finish(1, { event: 'error', where, message: String((error && error.message) || error), detail });
}

if (!baseUrl || !appId || !appSecret || !scenario) {
  console.error('usage: node fidelity.js <baseUrl> <appId> <appSecret> <scenario> [key=value ...]');
  process.exit(64);
}

setTimeout(() => finish(2, { event: 'timeout', after_ms: timeoutMs }), timeoutMs).unref();
process.on('unhandledRejection', (e) => fail('unhandledRejection', e));
process.on('uncaughtException', (e) => fail('uncaughtException', e));
// When stdin is a pipe (as from the Java test), its end means the parent closed it or died: leave.
let stdinIsPipe = false;
try {
  const stat = require('fs').fstatSync(0);
  stdinIsPipe = stat.isFIFO() || stat.isSocket();
} catch (e) {
  stdinIsPipe = false;
}
if (stdinIsPipe) {
  process.stdin.on('data', () => {});
  process.stdin.on('end', () => finish(0, { event: 'stdin-closed' }));
}

const stderrLogger = {
  error: (...msg) => console.error('[sdk error]', ...msg),
  warn: (...msg) => console.error('[sdk warn]', ...msg),
  info: (...msg) => console.error('[sdk info]', ...msg),
  debug: (...msg) => console.error('[sdk debug]', ...msg),
  trace: (...msg) => console.error('[sdk trace]', ...msg),
};
const loggerLevel = lark.LoggerLevel[logLevelName] ?? lark.LoggerLevel.info;
const sdkLogging = { logger: stderrLogger, loggerLevel };

function restClient() {
  return new lark.Client({
    appId,
    appSecret,
    domain: baseUrl,
    appType: lark.AppType.SelfBuild,
    ...sdkLogging,
  });
}

/** Starts a WSClient with these handlers; emits {"event":"ready"} once it is connected. */
function startWs(handlers, onReady) {
  // WSClient.start() only logs and returns for any other app id; say it loudly instead.
  if (!/^cli_[0-9a-fA-F]{16}$/.test(appId)) {
    throw new Error(`WSClient ignores app id ${appId}: it must match ^cli_[0-9a-fA-F]{16}$`);
  }
  const dispatcher = new lark.EventDispatcher({ ...sdkLogging }).register(handlers);
  wsClient = new lark.WSClient({
    appId,
    appSecret,
    domain: baseUrl,
    autoReconnect: true,
    ...sdkLogging,
    onReady: () => {
      emit({ event: 'ready' });
      if (onReady) {
        Promise.resolve().then(onReady).catch((e) => fail('onReady', e));
      }
    },
    onError: (e) => fail('WSClient', e),
  });
  // Count the pongs the SDK reads (an observation only: the SDK's own handler still runs).
  const handleControlData = wsClient.handleControlData.bind(wsClient);
  wsClient.handleControlData = (frame) => {
    if ((frame.headers || []).some((h) => h.key === 'type' && h.value === 'pong')) {
      pongsRead += 1;
    }
    return handleControlData(frame);
  };
  wsClient.start({ eventDispatcher: dispatcher }).catch((e) => fail('WSClient.start', e));
}

/** Leaves after the SDK had time to write its ack for the event just handled. */
function doneSoon() {
  setTimeout(() => finish(0, { event: 'done' }), Number(opt('grace_ms', '300')));
}

function parseContent(content) {
  try {
    return JSON.parse(content);
  } catch (e) {
    return { unparsed: content };
  }
}

function checked(where, res) {
  if (!res || res.code !== 0) {
    throw new Error(`${where} answered ${JSON.stringify(res)}`);
  }
  return res.data;
}

// A 1x1 transparent PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64');

const scenarios = {
  message() {
    const expected = Number(opt('count', '1'));
    let seen = 0;
    startWs({
      'im.message.receive_v1': async (data) => {
        const { message, sender } = data;
        const content = parseContent(message.content);
        emit({
          event: 'message',
          event_id: data.event_id,
          event_type: data.event_type,
          message_id: message.message_id,
          chat_id: message.chat_id,
          chat_type: message.chat_type,
          message_type: message.message_type,
          text: content.text,
          sender_open_id: sender && sender.sender_id && sender.sender_id.open_id,
        });
        seen += 1;
        if (seen >= expected) {
          doneSoon();
        }
      },
    });
  },

  card() {
    const chatId = opt('chat_id');
    if (!chatId) {
      throw new Error('the card scenario needs chat_id=...');
    }
    const client = restClient();
    const card = {
      schema: '2.0',
      header: { title: { tag: 'plain_text', content: 'Deploy request' } },
      body: {
        elements: [
          { tag: 'markdown', content: 'Deploy **v1.2.3** to production?' },
          {
            tag: 'button',
            text: { tag: 'plain_text', content: 'Approve' },
            type: 'primary',
            behaviors: [{ type: 'callback', value: { decision: 'approve', request: 'r-42' } }],
          },
          {
            tag: 'button',
            text: { tag: 'plain_text', content: 'Reject' },
            type: 'danger',
            behaviors: [{ type: 'callback', value: { decision: 'reject', request: 'r-42' } }],
          },
        ],
      },
    };
    startWs({
      'card.action.trigger': async (data) => {
        emit({
          event: 'card',
          event_type: data.event_type,
          action: data.action,
          operator_open_id: data.operator && data.operator.open_id,
          open_message_id: data.context && data.context.open_message_id,
          open_chat_id: data.context && data.context.open_chat_id,
          token: data.token,
        });
        doneSoon();
        return {
          toast: { type: 'success', content: 'Got it' },
          card: {
            type: 'raw',
            data: {
              schema: '2.0',
              header: { title: { tag: 'plain_text', content: 'Deploy request' } },
              body: { elements: [{ tag: 'markdown', content: `Approved by ${data.operator.open_id}` }] },
            },
          },
        };
      },
    }, async () => {
      const res = await client.im.message.create({
        params: { receive_id_type: 'chat_id' },
        data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(card) },
      });
      const sent = checked('im.message.create', res);
      emit({ event: 'sent', message_id: sent.message_id, chat_id: sent.chat_id, msg_type: sent.msg_type });
    });
  },

  async rest() {
    const chatId = opt('chat_id');
    if (!chatId) {
      throw new Error('the rest scenario needs chat_id=...');
    }
    const client = restClient();
    const upload = await client.im.image.create({ data: { image_type: 'message', image: PNG } });
    // image.create resolves to the envelope's data ({image_key}); accept the whole envelope too.
    const imageKey = upload && (upload.image_key || (upload.data && upload.data.image_key));
    if (!imageKey) {
      throw new Error(`im.image.create answered ${JSON.stringify(upload)}`);
    }
    const image = checked('im.message.create(image)', await client.im.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'image', content: JSON.stringify({ image_key: imageKey }) },
    }));
    const text = checked('im.message.create(text)', await client.im.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'text', content: JSON.stringify({ text: 'hello from node' }) },
    }));
    const got = checked('im.message.get', await client.im.message.get({ path: { message_id: image.message_id } }));
    const item = got.items && got.items[0];
    emit({
      event: 'rest',
      message_id: image.message_id,
      text_message_id: text.message_id,
      image_key: imageKey,
      read_back: item && {
        message_id: item.message_id,
        msg_type: item.msg_type,
        chat_id: item.chat_id,
        sender_type: item.sender && item.sender.sender_type,
        content: item.body && parseContent(item.body.content),
      },
    });
    finish(0, { event: 'done' });
  },

  idle() {
    startWs({}, () => {
      setTimeout(() => {
        // The SDK's live config: a pong missing a field would have turned it into NaN here.
        const ws = wsClient.wsConfig.getWS();
        emit({
          event: 'ws_config',
          pongs: pongsRead,
          ping_interval_ms: ws.pingInterval,
          reconnect_count: ws.reconnectCount,
          reconnect_interval_ms: ws.reconnectInterval,
          reconnect_nonce_ms: ws.reconnectNonce,
        });
        finish(0, { event: 'done' });
      }, Number(opt('duration_ms', '3000')));
    });
  },
};

const run = scenarios[scenario];
if (!run) {
  console.error(`unknown scenario ${scenario}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(64);
}
emit({ event: 'started', scenario, sdk: require('@larksuiteoapi/node-sdk/package.json').version });
Promise.resolve().then(run).catch((e) => fail(scenario, e));
