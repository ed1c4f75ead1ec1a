/**
 * Who this process is, for the leases it takes: a person finding a busy board at 3 a.m. needs the
 * host, the user, the pid and — on a CI runner — the job to look at or cancel.
 */
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import type { LeaseOwner } from '../../core/lease.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The job's web page from the environment the usual CI systems set, first match wins. Only
 * variables these systems document are read; nothing is guessed from the runner's host name.
 */
export function ciJobUrl(env: Env = process.env): string | undefined {
  const v = (name: string) => (env[name] ? env[name] : undefined);
  // GitHub Actions: the run page; the job id is not in the environment.
  if (v('GITHUB_SERVER_URL') && v('GITHUB_REPOSITORY') && v('GITHUB_RUN_ID')) {
    const attempt = v('GITHUB_RUN_ATTEMPT') ? `/attempts/${v('GITHUB_RUN_ATTEMPT')}` : '';
    return `${v('GITHUB_SERVER_URL')}/${v('GITHUB_REPOSITORY')}/actions/runs/${v('GITHUB_RUN_ID')}${attempt}`;
  }
  if (v('CI_JOB_URL')) return v('CI_JOB_URL'); // GitLab
  if (v('BUILDKITE_BUILD_URL')) return v('BUILDKITE_JOB_ID') ? `${v('BUILDKITE_BUILD_URL')}#${v('BUILDKITE_JOB_ID')}` : v('BUILDKITE_BUILD_URL');
  if (v('BUILD_URL')) return v('BUILD_URL'); // Jenkins
  if (v('CIRCLE_BUILD_URL')) return v('CIRCLE_BUILD_URL');
  if (v('TRAVIS_JOB_WEB_URL')) return v('TRAVIS_JOB_WEB_URL');
  if (v('DRONE_BUILD_LINK')) return v('DRONE_BUILD_LINK');
  if (v('CI_PIPELINE_URL')) return v('CI_PIPELINE_URL'); // Woodpecker
  if (v('SYSTEM_COLLECTIONURI') && v('SYSTEM_TEAMPROJECT') && v('BUILD_BUILDID')) {
    return `${v('SYSTEM_COLLECTIONURI')}${v('SYSTEM_TEAMPROJECT')}/_build/results?buildId=${v('BUILD_BUILDID')}`; // Azure Pipelines
  }
  if (v('BITBUCKET_GIT_HTTP_ORIGIN') && v('BITBUCKET_BUILD_NUMBER')) {
    return `${v('BITBUCKET_GIT_HTTP_ORIGIN')}/addon/pipelines/home#!/results/${v('BITBUCKET_BUILD_NUMBER')}`;
  }
  return undefined;
}

/** Field 22 of /proc/<pid>/stat: with the pid it names one process for the life of the machine. */
export function startTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; fields after the last ')' are fixed.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(rest[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function userName(env: Env): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (containers running as an arbitrary uid).
    return env['USER'] ?? env['LOGNAME'] ?? `uid ${process.getuid?.() ?? '?'}`;
  }
}

export function currentOwner(env: Env = process.env): LeaseOwner {
  const owner: LeaseOwner = { host: hostname(), pid: process.pid, user: userName(env), command: process.argv.join(' ') };
  const start = startTimeOf(process.pid);
  if (start !== undefined) owner.startTime = start;
  const ci = ciJobUrl(env);
  if (ci) owner.ciJobUrl = ci;
  return owner;
}

/**
 * Why a holder on this host is known to be gone: its pid no longer exists, or now names a process
 * started at another time (a recycled pid). Undefined when it runs, and for a holder on another
 * host, of which nothing can be known from here (its lease counts until it expires).
 */
export function goneOnThisHost(o: Pick<LeaseOwner, 'host' | 'pid' | 'startTime'>): string | undefined {
  if (o.host !== hostname()) return undefined;
  if (o.pid !== process.pid) {
    try {
      process.kill(o.pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return `its process (pid ${o.pid}) is gone`;
    }
  }
  const now = startTimeOf(o.pid);
  if (o.startTime !== undefined && now !== undefined && now !== o.startTime) return `its process (pid ${o.pid}) is gone; the pid now belongs to another process`;
  return undefined;
}
