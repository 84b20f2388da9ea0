#!/usr/bin/env node
// send_multi (also mg-send_multi): submit check_multi child checks as passive results. Logic in src/tools/send-multi/.
import { runToolCli } from '../tools/cli-process.js';
import { runSendMulti } from '../tools/send-multi/run.js';

runToolCli(runSendMulti);
