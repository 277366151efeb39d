// A second MQTT broker for the interoperability test: aedes (npm, in-memory
// persistence: sessions and their queues live while the process does) on
// 127.0.0.1. Usage: node aedes_broker.mjs AEDES_PREFIX PORT_FILE; the
// package is imported from AEDES_PREFIX/node_modules; the port it listens on
// is written to PORT_FILE.
//
// aedes 1.2.0 numbers each connection's new messages from a random packet
// id, while the unacknowledged messages it sends again when a session
// resumes keep theirs, so a new message can take an id still in use
// (against MQTT-2.3.1-2). Its store then clears the wrong one of the two on
// PUBACK and never sends the other: a loss on the broker's side, about one
// run in a hundred here. This broker starts a resumed session's new ids
// past those still unacknowledged, so the test measures the worker. (The
// worker's side of a reused id is in the unit tests: both copies delivered,
// one PUBACK.)
import { createServer } from 'node:net'
import { writeFileSync } from 'node:fs'

const [prefix, portFile] = process.argv.slice(2)
const { Aedes } = await import(`${prefix}/node_modules/aedes/aedes.js`)
const broker = await Aedes.createBroker()

const unacked = new Map() // client id -> Set of packet ids sent, not acknowledged
const store = broker.persistence
const update = store.outgoingUpdate.bind(store)
const clear = store.outgoingClearMessageId.bind(store)
store.outgoingUpdate = async (client, packet) => {
  await update(client, packet)
  if (!unacked.has(client.id)) unacked.set(client.id, new Set())
  unacked.get(client.id).add(packet.messageId)
}
store.outgoingClearMessageId = async (client, packet) => {
  const cleared = await clear(client, packet)
  if (cleared) unacked.get(client.id)?.delete(packet.messageId)
  return cleared
}
broker.on('connackSent', (connack, client) => {
  const ids = unacked.get(client.id)
  if (connack.sessionPresent && ids?.size) {
    client._nextId = (Math.max(...ids) % 65535) + 1
    console.error(`${client.id}: session resumed with ${ids.size} unacknowledged; new ids from ${client._nextId}`)
  }
})
broker.on('clientError', (client, err) => console.error(`${client.id}: ${err.message}`))

const server = createServer(broker.handle)
server.listen(0, '127.0.0.1', () => {
  writeFileSync(portFile, String(server.address().port))
})
process.on('SIGTERM', () => process.exit(0))
