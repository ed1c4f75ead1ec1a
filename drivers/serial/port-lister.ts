import { SerialPort } from 'serialport';
import type { PortLister } from './usb-selector.js';

/**
 * serialport's listing of the ports present. On Linux it runs udevadm; where that is missing (this
 * kind of container) it rejects, which resolveUsbPath turns into a ResourceError naming the selector.
 */
export const serialPortLister: PortLister = () => SerialPort.list();
