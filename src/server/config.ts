import { z } from 'zod';

export const serverSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve /metrics, /healthz and /ready'),
    address: z.string().default('127.0.0.1').describe('Listen address (127.0.0.1 keeps it off the network)'),
    port: z.number().int().min(0).max(65535).default(9275).describe('Listen port (0 picks a free one)'),
  })
  .describe("Herald's own HTTP endpoint");

export type ServerConfig = z.infer<typeof serverSchema>;
