#!/usr/bin/env node
// The nic-vfio-user command. A file of the repository rather than of dist/, so that npm links it on
// the first `npm install` of a clone (npm skips a bin whose file does not exist yet).
import '../dist/vfio-user/cli.js';
