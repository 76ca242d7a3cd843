// RPC contract of the identity service: pattern names, zod input schemas, response shapes.
export {};
