import { bookingsRpc } from './bookings';
import type { RpcDefinition } from './define';
import { notificationsRpc } from './notifications';
import { paymentsRpc } from './payments';
import { sessionsRpc } from './sessions';

/** Every RPC definition, by the name of the object that holds it (`bookingsRpc`, …). */
export const RPC_DEFINITIONS = { bookingsRpc, paymentsRpc, sessionsRpc, notificationsRpc } as const;

/** Every RPC call, in catalogue order. */
export const RPC_CATALOGUE: readonly RpcDefinition[] = Object.values(RPC_DEFINITIONS).flatMap((group) => Object.values(group));

const byName = new Map(RPC_CATALOGUE.map((d) => [d.name, d]));
/** The definition of a pattern, or undefined. */
export const rpcDefinition = (name: string): RpcDefinition | undefined => byName.get(name);
