import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/**
 * `?limit=&cursor=` of a keyset-paginated list; subclasses add their own filters and inherit
 * these rules. Callers apply their own default page size when `limit` is absent.
 */
export class CursorPageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, description: 'Page size.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** The `nextCursor` of the previous page; its format is checked where it is decoded. */
  @ApiPropertyOptional({ maxLength: 128, description: 'The `nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  cursor?: string;
}
