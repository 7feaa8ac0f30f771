import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/**
 * `?limit=&cursor=` of a keyset-paginated list; subclasses add their own filters and inherit
 * these rules. Callers apply their own default page size when `limit` is absent.
 */
export class CursorPageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** The `nextCursor` of the previous page; its format is checked where it is decoded. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  cursor?: string;
}
