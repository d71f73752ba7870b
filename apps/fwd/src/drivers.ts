/**
 * The drivers and subsystems nic-fwd brings: importing this module registers the PCI bus,
 * interrupts and every poll-mode driver of the repository in the importing thread (the main
 * lcore and each worker lcore). Third-party drivers come with EAL's `-d`.
 */
import '@nic/intr';
import '@nic/pci';
import '@nic/pmd-ring';
import '@nic/pmd-tap';
import '@nic/pmd-af-packet';
import '@nic/pmd-null';
import '@nic/pmd-igb';
import '@nic/pmd-ixgbe';
import '@nic/pmd-vhost';
