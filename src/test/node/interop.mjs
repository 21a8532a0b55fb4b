// Publishes TRADES decisions (votes, then the close) with KafkaJS in the Confluent wire format,
// keyed by MODEL_ID (the model both records name, partitioned by KafkaJS's Java-compatible default
// partitioner) when it is set, else by the decision id,
// registering the project's own Avro schemas through Apicurio's Confluent-compatible API, then
// reads weights-updated from the beginning and decodes it until every decision has its step.
// Prints one JSON line: {"published", "decoded", "steps", "decisions", "lastWeights"}; exit 1 if
// any decision's step did not arrive within TIMEOUT_MS.
import { readFileSync } from 'node:fs';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';

const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
};
const trades = Number(env('TRADES'));
const timeoutMs = Number(process.env.TIMEOUT_MS ?? 120000);
const modelId = process.env.MODEL_ID || null;
const kafka = new Kafka({ clientId: 'kafkajs-interop', brokers: env('BOOTSTRAP').split(','), logLevel: logLevel.WARN });
const registry = new SchemaRegistry({ host: env('CCOMPAT_URL') });

const schema = (name) => ({ type: SchemaType.AVRO, schema: readFileSync(`${env('SCHEMAS_DIR')}/${name}.avsc`, 'utf8') });
const { id: votesId } = await registry.register(schema('DecisionVotes'), { subject: `${env('VOTES_TOPIC')}-value` });
const { id: tradesId } = await registry.register(schema('TradeClosed'), { subject: `${env('TRADES_TOPIC')}-value` });

// murmur2 on the key, as Kafka's Java producer: a model's records land in the partition its task reads
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const decisions = [];
for (let i = 0; i < trades; i++) {
  const id = `js-${i}`;
  const now = Date.now();
  decisions.push(id);
  const votes = {
    decision_id: id, workflow_id: 'wf-kafkajs', symbol: 'AAPL', action: 'BUY', decided_at: now, model_id: modelId,
    agent_votes: { TradingAgent: { direction: 'LONG', confidence: 0.85, position_size: 10.0 } },
  };
  const close = {
    decision_id: id, symbol: 'AAPL', entry_price: 150.0, exit_price: 157.5, actual_profit: 75.0,
    hold_duration: 5.0, closed_at: now, model_id: modelId,
  };
  const key = modelId ?? id;
  // each send awaits the broker's acknowledgement: a failed send fails the script
  await producer.send({ topic: env('VOTES_TOPIC'), acks: -1, messages: [{ key, value: await registry.encode(votesId, votes) }] });
  await producer.send({ topic: env('TRADES_TOPIC'), acks: -1, messages: [{ key, value: await registry.encode(tradesId, close) }] });
}
await producer.disconnect();

const consumer = kafka.consumer({ groupId: `kafkajs-interop-${Date.now()}`, readUncommitted: false });
await consumer.connect();
await consumer.subscribe({ topic: env('WEIGHTS_TOPIC'), fromBeginning: true });
const seen = new Map();
let lastWeights = null;
const done = new Promise((resolve) => {
  consumer.run({
    eachMessage: async ({ message }) => {
      const update = await registry.decode(message.value);
      if (!decisions.includes(update.decision_id)) return;
      seen.set(update.decision_id, Number(update.training_step));
      lastWeights = update.agent_weights;
      if (seen.size === decisions.length) resolve(true);
    },
  });
});
const finished = await Promise.race([done, new Promise((resolve) => setTimeout(() => resolve(false), timeoutMs))]);
await consumer.disconnect();
console.log(JSON.stringify({
  published: decisions.length,
  decoded: seen.size,
  steps: [...seen.values()].sort((a, b) => a - b),
  decisions: [...seen.keys()].sort(),
  lastWeights,
}));
process.exit(finished ? 0 : 1);
