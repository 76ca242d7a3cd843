// RPC contract of the bookings service: pattern names, zod input schemas, response shapes.
export {};
