import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export const DEFAULT_USERS_PAGE_SIZE = 20;

/** `GET /admin/users?limit=&cursor=`; any other parameter is a 400. */
export class ListUsersQuery {
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
