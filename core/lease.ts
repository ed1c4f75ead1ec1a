/**
 * Leases on shared bench resources (a serial port, a board): who holds one, until when, and what
 * happens when the holder dies. Drivers lease ports, the runner leases devices, the CLI lists and
 * frees them; the stores that keep leases (lock files on one host, Redis across hosts) live in
 * drivers/lease. This is only the contract they share.
 *
 * A lease is held until released or until it expires; the holder renews it while it lives (every
 * third of its TTL), so a run killed with SIGKILL blocks the resource for one TTL at most, and the
 * next taker is told whose lease it took over.
 */

/** Who holds a lease, as a person looking for them would want to know. */
export interface LeaseOwner {
  host: string;
  pid: number;
  user: string;
  /** The holder's command line. */
  command: string;
  /** Kernel start time of the pid (clock ticks since boot, Linux): tells the holder from a recycled pid. */
  startTime?: number;
  /** The CI job that runs the holder, from the CI's environment (GitHub, GitLab, Jenkins, Buildkite…). */
  ciJobUrl?: string;
}

export interface LeaseRecord {
  /** 'device:<eui64>' or 'port:<path, tcp:// url or usb: selector>'. */
  key: string;
  /** What the key names, for messages: "device meter-1 (rig lab-3)", "/dev/ttyUSB0". */
  label: string;
  owner: LeaseOwner;
  /** Random per acquisition: a renewal or release only touches the lease it took. */
  token: string;
  /** ISO-8601 times. */
  since: string;
  expires: string;
  ttlMs: number;
}

export interface LeaseRequest {
  key: string;
  label: string;
}

/** A lease taken from a holder that did not release it (its process died, or it stopped renewing). */
export interface LeaseTakeover {
  key: string;
  label: string;
  previous: LeaseRecord;
  /** "its lease expired at …", "its process (pid 4242) is gone". */
  reason: string;
}

/** A lease as a listing shows it: whether its holder still counts. */
export interface LeaseState {
  record: LeaseRecord;
  live: boolean;
  /** Why a lease is not live: expired, holder process gone. */
  why?: string;
}

export type ReleaseOutcome =
  | { released: true; record: LeaseRecord; forced: boolean }
  | { released: false; reason: string; record?: LeaseRecord };

/**
 * A lease its holder could not free (the store did not answer in time, or the holder was stopped
 * while waiting): nobody renews it any more, so it lapses at its expiry (`record.expires`).
 */
export interface UnreleasedLease {
  record: LeaseRecord;
  why: string;
}

/** Leases taken together; renewed until released. */
export interface HeldLeases {
  readonly records: readonly LeaseRecord[];
  /** Leases of dead or silent holders that this acquisition took over (empty usually). */
  readonly takeovers: readonly LeaseTakeover[];
  /**
   * Called when a renewal finds a lease gone or taken by someone else (a forced release, a long
   * partition, a store that lost its data), or when its expiry passed without a renewal; `at` is
   * when that was found (ms since the epoch). The lease is then no longer this holder's.
   */
  onLost(listener: (record: LeaseRecord, why: string, at: number) => void): void;
  /**
   * Renews every lease now, after any renewal under way: a lease found gone is reported lost (the
   * listeners called) before this resolves. What a holder calls before it trusts that it held its
   * leases up to now.
   */
  check(): Promise<void>;
  /**
   * Idempotent; frees only what this holder still owns. Resolves with the leases that could not be
   * freed; when `signal` aborts first, at once with those whose release was not yet confirmed.
   */
  release(opts?: { signal?: AbortSignal }): Promise<readonly UnreleasedLease[]>;
}

export interface LeaseStore {
  /** Where leases live: a lock folder, redis://host:port. */
  readonly where: string;
  readonly ttlMs: number;
  /**
   * All of `requests` or none. Rejects with a ResourceError naming the resource and its holder when
   * one is held by a live holder; takes over (and reports) a lease whose holder died.
   */
  acquire(requests: readonly LeaseRequest[]): Promise<HeldLeases>;
  /** Every lease the store knows, live or left behind. */
  list(): Promise<LeaseState[]>;
  /** Frees `key`; a live holder's lease only with `force`. */
  release(key: string, opts?: { force?: boolean }): Promise<ReleaseOutcome>;
  /**
   * Closes connections; leases still held are released first. Resolves with those that could not
   * be (see HeldLeases.release); when `signal` aborts, without waiting any longer.
   */
  close(opts?: { signal?: AbortSignal }): Promise<readonly UnreleasedLease[]>;
}

/** Lease key of a device under test: its EUI-64 is its identity, whatever rig file names it. */
export function deviceLeaseKey(eui64: string): string {
  return `device:${eui64.replace(/[:-]/g, '').toLowerCase()}`;
}

/** Lease key of a port (an absolute path, a tcp:// url or a usb: selector). */
export function portLeaseKey(name: string): string {
  return `port:${name}`;
}

/** "alice@rack-7 pid 4242 (https://ci/job/9)": enough to find the holder. */
export function describeOwner(o: LeaseOwner): string {
  return `${o.user}@${o.host} pid ${o.pid}${o.ciJobUrl ? ` (${o.ciJobUrl})` : ''}`;
}

/** The refusal every store gives: the holder, since when and until when, and where the lease lives. */
export function heldMessage(r: LeaseRecord, where: string, selfHeld: boolean): string {
  const who = selfHeld ? `this process (pid ${r.owner.pid})` : describeOwner(r.owner);
  return `in use by ${who} since ${r.since}, lease until ${r.expires}: ${r.owner.command} (${where})`;
}

/** The note a run gives when it took a dead holder's lease. */
export function takeoverNote(t: LeaseTakeover): string {
  return `${t.label}: took over the lease of ${describeOwner(t.previous.owner)} (held since ${t.previous.since}): ${t.reason}`;
}
