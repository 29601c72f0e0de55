import {
  Server,
  ServerCredentials,
  status,
  type handleUnaryCall,
  type StatusObject,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Backend } from './backend.ts';
import { RpcError } from './errors.ts';
import type { FaultPlan } from './faults.ts';
import type { DatastoreMethod } from './methods.ts';
import type { DatastoreProtos } from './protos.ts';
import { runAggregationQuery } from './rpc/aggregation.ts';
import { commit } from './rpc/commit.ts';
import { allocateIds, reserveIds } from './rpc/ids.ts';
import { lookup } from './rpc/lookup.ts';
import { runQueryRpc } from './rpc/run-query.ts';
import { beginTransaction, rollback } from './rpc/transaction.ts';

/** What every call goes through before its handler: counting, then faults and latency. */
export interface CallGate {
  readonly counts: Record<DatastoreMethod, number>;
  readonly faults: FaultPlan;
}

/**
 * The service implementation: each RPC is counted, then delayed if a latency is set, then failed
 * if a fault is pending (before it touches any data), and otherwise handled. Errors the handlers
 * throw become gRPC statuses: an {@link RpcError} keeps its code, anything else is INTERNAL.
 */
export function serviceImplementation(backend: Backend, gate: CallGate): UntypedServiceImplementation {
  const unary = <Req, Res>(method: DatastoreMethod, handle: (backend: Backend, request: Req) => Res): handleUnaryCall<Req, Res> =>
    (call, callback) => {
      gate.counts[method]++;
      const failure = gate.faults.take(method);
      const run = (): void => {
        if (failure !== undefined) {
          callback({ code: failure.code, details: failure.message });
          return;
        }
        let response: Res;
        try {
          response = handle(backend, call.request);
        } catch (error) {
          callback(toStatus(error));
          return;
        }
        callback(null, response);
      };
      const delayMs = gate.faults.latencyFor(method);
      if (delayMs > 0) setTimeout(run, delayMs);
      else run();
    };
  return {
    Lookup: unary('Lookup', lookup),
    RunQuery: unary('RunQuery', runQueryRpc),
    RunAggregationQuery: unary('RunAggregationQuery', runAggregationQuery),
    BeginTransaction: unary('BeginTransaction', beginTransaction),
    Commit: unary('Commit', commit),
    Rollback: unary('Rollback', rollback),
    AllocateIds: unary('AllocateIds', allocateIds),
    ReserveIds: unary('ReserveIds', reserveIds),
  };
}

function toStatus(error: unknown): Partial<StatusObject> {
  if (error instanceof RpcError) return { code: error.code, details: error.details };
  const message = error instanceof Error ? error.message : String(error);
  return { code: status.INTERNAL, details: `emulator error: ${message}` };
}

/** A running gRPC server and the address it listens on. */
export interface Listening {
  readonly server: Server;
  readonly port: number;
}

/** Starts a gRPC server for the Datastore service on `host:port` (port 0 picks a free one). */
export async function listen(protos: DatastoreProtos, implementation: UntypedServiceImplementation, host: string, port: number): Promise<Listening> {
  // Entities reach 1 MiB and commits carry up to 500 of them; lift the default 4 MiB cap.
  const server = new Server({ 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
  server.addService(protos.service, implementation);
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
  return { server, port: bound };
}

/** Stops a server: lets calls in flight finish for up to `graceMs`, then cuts the rest. */
export async function shutdown(server: Server, graceMs = 1000): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
