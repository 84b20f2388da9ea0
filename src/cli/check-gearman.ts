#!/usr/bin/env node
// check_gearman (also mg-check_gearman): the Nagios plugin for job servers and worker status queues.
// Thin: all logic is in src/tools/check-gearman/; exit codes are the plugin states (see --help).
import { runCheckGearman } from '../tools/check-gearman/run.js';
import { runToolCli } from '../tools/cli-process.js';

runToolCli(runCheckGearman);
