import { AppException } from '../http/app.exception.js';

export enum AuthErrorCode {
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  JwtSecretMissing = 'jwt-secret-not-configured',
  ApiKeyNotFound = 'api-key-not-found',
}

export class AuthException extends AppException {
  static unauthorized(
    detail: string,
    error: 'invalid_request' | 'invalid_token' = 'invalid_token',
  ) {
    // RFC 6750 section 3: a 401 names the scheme and, when a token was sent, why it failed.
    return new AuthException(
      AuthErrorCode.Unauthorized,
      401,
      detail,
      {},
      {
        'WWW-Authenticate': `Bearer realm="integration-hub", error="${error}"`,
      },
    );
  }
  static forbidden(detail: string) {
    return new AuthException(AuthErrorCode.Forbidden, 403, detail);
  }
  static jwtSecretMissing() {
    return new AuthException(
      AuthErrorCode.JwtSecretMissing,
      409,
      'user tokens can only be minted when JWT_SECRET is set (this server verifies tokens from JWT_JWKS_URL)',
    );
  }
  static apiKeyNotFound(id: string) {
    return new AuthException(AuthErrorCode.ApiKeyNotFound, 404, `no API key with id ${id}`);
  }
}
