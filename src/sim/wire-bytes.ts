// The wire bytes the simulator sends for a message object, encoded once per object.
//
// A replica re-sends the very objects it sent before: its pre-prepare as primary, its PREPARE and
// COMMIT for every slot not yet executed, every retransmitTicks (src/pbft/tick.ts). Encoding each
// re-send afresh made a new bytes object, so every receiver decoded and verified it again although the
// bytes were the same; one bytes object per message object lets ingress's shared verdicts (keyed by
// the bytes object, src/ingress/ingress.ts) answer the re-send (issue 17 item 5: a replica left behind
// re-broadcast 44 commits per retransmission, two thirds of seed 14's messages). Messages are
// immutable once signed, so the bytes stay theirs; the network copies a bytes object before it flips
// a bit (--corrupt), and nothing writes to the bytes it is handed.

import { encodeTransient } from '../wire/codec.ts';
import type { Message } from '../wire/messages.ts';

/** Held weakly: an entry goes with its message (the bytes may pin their 64 KB slab until then). */
const sent = new WeakMap<Message, Uint8Array>();

/** encodeTransient(m), the same bytes object each time for the same message object. */
export function wireBytes(m: Message): Uint8Array {
  let bytes = sent.get(m);
  if (bytes === undefined) sent.set(m, (bytes = encodeTransient(m)));
  return bytes;
}
