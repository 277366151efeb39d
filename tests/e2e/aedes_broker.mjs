// A second MQTT broker for the interoperability test: aedes (npm, in-memory
// persistence: sessions and their queues live while the process does) on
// 127.0.0.1. Usage: node aedes_broker.mjs AEDES_PREFIX PORT_FILE; the
// package is imported from AEDES_PREFIX/node_modules; the port it listens on
// is written to PORT_FILE.
import { createServer } from 'node:net'
import { writeFileSync } from 'node:fs'

const [prefix, portFile] = process.argv.slice(2)
const { Aedes } = await import(`${prefix}/node_modules/aedes/aedes.js`)
const broker = await Aedes.createBroker()
const server = createServer(broker.handle)
server.listen(0, '127.0.0.1', () => {
  writeFileSync(portFile, String(server.address().port))
})
process.on('SIGTERM', () => process.exit(0))
