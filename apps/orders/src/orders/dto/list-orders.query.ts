import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { CursorPageQuery } from '@tessera/platform';

export const DEFAULT_PAGE_SIZE = 20;

export class ListOrdersQuery extends CursorPageQuery {
  /** Every user's orders; admins only. Exactly `true` or `false`: `Boolean('false')` is true. */
  @ApiPropertyOptional({ description: "Every user's orders instead of the caller's; admins only." })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  all?: boolean;
}
