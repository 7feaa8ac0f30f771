import type { CanActivate, ExceptionFilter } from '@nestjs/common';
import { EXCEPTION_FILTERS_METADATA, GUARDS_METADATA } from '@nestjs/common/constants';
import type { ModulesContainer } from '@nestjs/core';
import { MetadataScanner } from '@nestjs/core';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';

/**
 * Puts the guard on every message and event handler itself, so a NATS handler is guarded
 * whether or not the application connected its microservice with `inheritAppConfig: true` (only
 * then does NestJS apply global guards, APP_GUARD included, to a microservice). Runs while the
 * providers are created, before `connectMicroservice()` builds the handlers' contexts.
 *
 * The guard is given as an instance, not a class: a class added after the scan resolves to no
 * provider in the controller's module, and NestJS would skip it without a word. Under
 * `inheritAppConfig` the global guard runs first and the handler's own finds the principal
 * already verified for that message (AccessTokenGuard), so a token is verified once.
 *
 * The guard's refusals get `filter` on the handler too, so they answer with
 * their status rather than NestJS's bare "Internal server error" where no global filter reaches.
 *
 * Returns how many handlers it guarded.
 */
export function guardMessageHandlers(modules: ModulesContainer, guard: CanActivate, filter: ExceptionFilter): number {
  const scanner = new MetadataScanner();
  let guarded = 0;
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const prototype = (wrapper.metatype as { prototype?: object } | null)?.prototype;
      if (!prototype) {
        continue;
      }
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = (prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function' || Reflect.getMetadata(PATTERN_METADATA, handler) === undefined) {
          continue;
        }
        // Controllers are classes, shared by every application of the process (tests start
        // many): the guard and filter of an application created earlier are replaced, not kept.
        const guards = ((Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined) ?? []).filter(
          (g) => !(g instanceof guard.constructor),
        );
        Reflect.defineMetadata(GUARDS_METADATA, [guard, ...guards], handler);
        // Its refusals answered as the platform answers them, not as NestJS's bare "Internal
        // server error" (the handler's own filters still come first).
        const filters = (
          (Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, handler) as unknown[] | undefined) ?? []
        ).filter((f) => !(f instanceof filter.constructor));
        Reflect.defineMetadata(EXCEPTION_FILTERS_METADATA, [...filters, filter], handler);
        guarded++;
      }
    }
  }
  return guarded;
}
