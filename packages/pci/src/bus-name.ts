/** The bus name, as in `-a pci:0000:01:00.0` and `eal.bus('pci')`. */
export const PCI_BUS_NAME = 'pci';
