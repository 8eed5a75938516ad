// @mode worker
// @schedule {{schedule}}
// Scheduled job: runs on "{{schedule}}" (each run is a request with method SCHEDULE) and checks a URL if one is set.
// GET lists the recent runs; POST runs the job now.
type Run = { at: string; trigger: string; ok: boolean; status?: number; ms: number; error?: string };
const runs: Run[] = (shared.scheduledRuns ??= []);
const target = "{{url}}";

async function job(trigger: string): Promise<Run> {
  const started = Date.now();
  const run: Run = { at: new Date(started).toISOString(), trigger, ok: true, ms: 0 };
  if (target) {
    try {
      const response = await fetch(target, { signal: AbortSignal.timeout(10000) });
      run.status = response.status;
      run.ok = response.ok;
      await response.body?.cancel();
    } catch (error) {
      run.ok = false;
      run.error = String(error);
    }
  }
  run.ms = Date.now() - started;
  runs.push(run);
  if (runs.length > {{history}}) runs.splice(0, runs.length - {{history}});
  log.info("scheduled job ran", { trigger, ok: run.ok });
  return run;
}

if (request.method === "SCHEDULE" || request.method === "POST") {
  return await job(request.method === "SCHEDULE" ? "schedule" : "manual");
}
return { schedule: "{{schedule}}", runs };
