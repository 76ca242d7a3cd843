// RPC contract of the notifications service: pattern names, zod input schemas, response shapes.
export {};
