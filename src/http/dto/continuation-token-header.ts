import { IsOptional, Matches } from 'class-validator';

/** The `x-ms-continuation-token` request header of `GET /instances`. */
export class ContinuationTokenHeader {
  @IsOptional()
  @Matches(/^[A-Za-z0-9_=+/-]{1,4096}$/, { message: '$property must be the token returned by the previous page, unchanged' })
  readonly 'x-ms-continuation-token'?: string;
}
