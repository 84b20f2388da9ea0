#!/usr/bin/env node
// send_gearman (also mg-send_gearman): submit passive check results. Logic in src/tools/send-gearman/.
import { runToolCli } from '../tools/cli-process.js';
import { runSendGearman } from '../tools/send-gearman/run.js';

runToolCli(runSendGearman);
