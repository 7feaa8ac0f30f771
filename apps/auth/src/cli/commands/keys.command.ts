import type { Command } from 'commander';

import { KeyService } from '../../keys/key.service';
import type { CommandHost } from '../command';
import { table, UsageError } from '../command';

const OPERATOR = { subject: 'operator' };

/** `keys list|rotate|import|withdraw`: the signing key set, through KeyService like `/admin/keys`. */
export function registerKeysCommands(program: Command, host: CommandHost): void {
  const keys = program.command('keys').description('the signing key set');
  keys
    .command('list')
    .description('stored signing keys, oldest first (never a private part)')
    .action(() => {
      host.run(async (app) => {
        const list = await app.get(KeyService).list();
        host.print(
          list.length ? table(list as never[], ['kid', 'alg', 'status', 'createdAt']) : 'no stored keys',
          list,
        );
      });
    });
  keys
    .command('rotate')
    .description('generate a key, publish it, then sign with it; the old key stays published until its tokens expire')
    .option('--alg <alg>', 'RS256 or ES256 (default AUTH_SIGNING_ALG)')
    .action((options: { alg?: string }) => {
      if (options.alg !== undefined && options.alg !== 'RS256' && options.alg !== 'ES256') {
        throw new UsageError('--alg must be RS256 or ES256');
      }
      host.run(async (app) => {
        const jwk = await app.get(KeyService).rotate(options.alg as 'RS256' | 'ES256' | undefined, OPERATOR);
        host.print(`rotated: now signing with ${jwk.alg} key ${jwk.kid}`, { kid: jwk.kid, alg: jwk.alg });
      });
    });
  keys
    .command('import <file>')
    .description('import a private key (PEM or JWK, RSA 2048+ or EC P-256; "-" reads standard input) and sign with it')
    .action((file: string) => {
      const material = host.readFile(file);
      host.run(async (app) => {
        const jwk = await app.get(KeyService).import(material, OPERATOR);
        host.print(`imported: now signing with ${jwk.alg} key ${jwk.kid}`, { kid: jwk.kid, alg: jwk.alg });
      });
    });
  keys
    .command('withdraw <kid>')
    .description('after a compromise: withdraw a retired key now, so no token it signed is accepted any more')
    // A kid is a base64url thumbprint and one in 64 begins with "-": read it as the argument it is.
    .allowUnknownOption()
    .action((kid: string) => {
      host.run(async (app) => {
        await app.get(KeyService).withdraw(kid, OPERATOR);
        host.print(`withdrew key ${kid}: every service drops it now; tokens it signed are refused`, { kid });
      });
    });
}
