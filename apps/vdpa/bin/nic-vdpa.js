#!/usr/bin/env node
// The nic-vdpa command. A file of the repository rather than of dist/, so that npm links it on
// the first `npm install` of a clone: npm links a workspace's bins before postinstall builds dist/,
// and skips a bin whose file does not exist yet.
import '../dist/main.js';
