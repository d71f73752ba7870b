/**
 * @nic/pci/testing — fixtures for tests of the PCI bus, its drivers and its tools: fake
 * sysfs trees and configuration-space images.
 */
export * from './fake-sysfs.js';
export * from './config-image.js';
