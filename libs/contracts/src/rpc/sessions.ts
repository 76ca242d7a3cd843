// RPC contract of the sessions service: pattern names, zod input schemas, response shapes.
export {};
