#!/usr/bin/env node
// gearman_top (also mg-gearman_top): live view of job server queues. Logic in src/tools/top/.
import { runToolCli } from '../tools/cli-process.js';
import { runGearmanTop } from '../tools/top/run.js';

runToolCli(runGearmanTop);
