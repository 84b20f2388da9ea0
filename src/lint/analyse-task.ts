// Runs inside a piscina worker thread (see lint-run.ts): one batch of files through layers 1-3.
import { analyseFiles, type AnalyseRequest, type FileAnalysis } from './analyse.js';

export default function analyseTask(req: AnalyseRequest): Promise<FileAnalysis[]> {
  return analyseFiles(req);
}
