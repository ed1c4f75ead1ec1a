/**
 * Which NMS address the harness's requests to each device leave from (the `reply-from` step).
 *
 * The NMS has one reply-from switch for all devices (harness/nms/nms.ts ReplyFrom); devices run
 * in parallel, so a load-balancer test on one meter must not move the others' requests. The NMS
 * client reads its source address synchronously when a request starts, so each request is made
 * inside `around()`, which sets the switch to this device's choice for exactly that call.
 */
import type { Nms, NmsAddressName, ReplyFromMode } from '../nms/nms.js';

export class RequestSources {
  private readonly chosen = new Map<string, NmsAddressName>();

  constructor(private readonly nms: Nms) {}

  set(device: string, name: NmsAddressName): void {
    if (!this.nms.addresses.some((a) => a.name === name)) throw new RangeError(`reply-from ${name}: the rig's NMS has no '${name}' address`);
    this.chosen.set(device, name);
  }

  reset(device: string): void {
    this.chosen.delete(device);
  }

  /** The address requests to `device` leave from. */
  addressFor(device: string): string {
    const name = this.chosen.get(device) ?? 'fnd';
    return (this.nms.addresses.find((a) => a.name === name) ?? this.nms.addresses[0]!).address;
  }

  /** Calls `start` (which must start its request synchronously) with the device's source address in force. */
  around<T>(device: string, start: () => Promise<T>): Promise<T> {
    const name = this.chosen.get(device);
    if (name === undefined) return start();
    const previous: ReplyFromMode = this.nms.replyFrom.mode;
    this.nms.replyFrom.set(name);
    try {
      return start();
    } finally {
      this.nms.replyFrom.set(previous);
    }
  }
}
