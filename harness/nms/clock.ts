/**
 * The NMS role's time source is the CoAP endpoint's: one object drives both, so the virtual rig
 * can run everything at a time scale and tests can use a fake clock. NMS time (clock.now()) is
 * also what SignatureValidity windows and clock-skew checks are measured against.
 */
export { systemClock, type Clock } from '../coap/clock.js';
