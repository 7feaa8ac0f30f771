import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiSchema,
  getSchemaPath,
} from '@nestjs/swagger';

import type { Problem } from '../errors/problem';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** The body ProblemFilter sends for every error (RFC 9457), as the OpenAPI document shows it. */
@ApiSchema({ name: 'Problem', description: 'RFC 9457 problem details, sent as application/problem+json.' })
export class ProblemSchema implements Problem {
  @ApiProperty({ example: 'about:blank' })
  type!: string;

  @ApiProperty({ description: 'The HTTP status text.', example: 'Not Found' })
  title!: string;

  @ApiProperty({ description: 'The HTTP status code.', example: 404 })
  status!: number;

  @ApiProperty({ description: 'Machine-readable error code; stable across releases.', example: 'order_not_found' })
  code!: string;

  @ApiPropertyOptional({ description: 'What went wrong, for a person.', example: 'No such order.' })
  detail?: string;

  @ApiPropertyOptional({
    description: 'With code `validation_failed`: one message per invalid field.',
    type: [String],
    example: ['email must be an email address'],
  })
  errors?: string[];
}

/** The response object of an error answered as problem+json. */
export function problemResponse(description: string, headers?: Record<string, string>) {
  return {
    description,
    ...(headers
      ? {
          headers: Object.fromEntries(
            Object.entries(headers).map(([name, text]) => [name, { description: text, schema: { type: 'string' } }]),
          ),
        }
      : {}),
    content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: getSchemaPath(ProblemSchema) } } },
  };
}

/**
 * Documents an error answer of a route (or of every route of a controller): `status` with an
 * RFC 9457 problem body. `description` names the codes, e.g. "`email_taken`: ...". `headers`
 * maps a response header to what it carries (Retry-After, WWW-Authenticate).
 */
export function ApiProblem(status: number, description: string, headers?: Record<string, string>) {
  return applyDecorators(
    ApiExtraModels(ProblemSchema),
    ApiResponse({ status, ...problemResponse(description, headers) }),
  );
}
