// The per-job pipeline of a route, in the Perl proxy's order (gearman-proxy.md §2): decrypt, then the rewrite
// and the callback on the clear text, then encrypt. Base64 rules: Mod-Gearman payloads are base64 even when
// not encrypted, so a step that needs the text decodes base64 first and the result is base64 again. A route
// without any step passes the payload through byte for byte.
// One deliberate difference: the Perl proxy sent the bare decrypted text when `decrypt` was set without
// `encrypt` and without a callback, which no Mod-Gearman reader accepts; here it is base64 like every payload.
import type { Priority } from '../gearman/client.js';
import { PayloadCodec } from '../job/crypto.js';
import { loadCallback } from './callback.js';
import type { CallbackContext, CallbackResult } from './callback.js';
import { applyRewrite } from './rewrite.js';
import type { RouteConfig } from './route-config.js';

export interface PipelineInput {
  readonly handle: string;
  readonly unique: string;
  readonly payload: Buffer;
  readonly server: string;
}

export interface PipelineOutput {
  readonly payload: Buffer | string;
  readonly unique: string;
  readonly priority: Priority;
}

export type Pipeline = (job: PipelineInput) => Promise<PipelineOutput>;

/** Builds the pipeline of a route; loads its callback module (throws MG_ERR_PROXY_CALLBACK when it cannot). */
export async function createPipeline(route: RouteConfig): Promise<Pipeline> {
  const plain = new PayloadCodec({ encryption: false });
  const decrypt = route.decrypt === undefined ? plain : new PayloadCodec({ encryption: true, key: route.decrypt });
  const encrypt = route.encrypt === undefined ? plain : new PayloadCodec({ encryption: true, key: route.encrypt });
  const callback = route.callback === undefined ? undefined : await loadCallback(route.callback);
  const touchesText = route.decrypt !== undefined || route.encrypt !== undefined || route.rewrite !== undefined || callback !== undefined;
  return async (job) => {
    if (!touchesText) return { payload: job.payload, unique: job.unique, priority: route.priority };
    let text = decrypt.decodeUnchecked(job.payload);
    if (route.rewrite !== undefined) text = applyRewrite(text, route.rewrite);
    let answer: CallbackResult | undefined;
    if (callback !== undefined) {
      const ctx: CallbackContext = {
        route: route.name,
        job: { handle: job.handle, unique: job.unique, queue: route.from.queue, server: job.server },
      };
      answer = await callback(text, ctx);
      text = answer.data;
    }
    return { payload: encrypt.encode(text), unique: answer?.uniq ?? job.unique, priority: answer?.priority ?? route.priority };
  };
}
