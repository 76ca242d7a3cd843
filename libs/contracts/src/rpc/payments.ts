// RPC contract of the payments service: pattern names, zod input schemas, response shapes.
export {};
