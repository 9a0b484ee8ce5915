# frozen_string_literal: true

require 'base64'
require 'openssl'

# @summary
#   Hashes a password for a mosquitto 2.0 password file, with a deterministic salt.
#
# The hash is what mosquitto_passwd 2.0 writes (`$7$`: PBKDF2-HMAC-SHA512, 101 iterations,
# 12-byte salt, 64-byte key), but the salt is derived from the password and a seed instead of
# being random.
#
# The same password and seed always give the same line, so the password file is an ordinary
# idempotent `file` resource: a second Puppet run changes nothing, and a changed password (or
# seed) changes the file. The salt is HMAC-SHA256(seed, password), truncated to 12 bytes; it
# never reveals the password, and different seeds (for example user@fqdn) give different hashes
# for the same password on different users or hosts.
#
# Mosquitto 2.0.x brokers accept these lines. Do not mix in lines from mosquitto_passwd 2.1,
# whose longer salts 2.0.x rejects.
Puppet::Functions.create_function(:'mosquitto::password_hash') do
  # @param password
  #   The clear-text password, wrapped in Sensitive so it never reaches a log or report.
  # @param seed
  #   Any stable string that makes the salt unique, e.g. "user@host.example.org".
  # @return [Sensitive[String]]
  #   The hash as it goes after "user:" in a mosquitto password file, still wrapped in Sensitive.
  # @example
  #   $hash = mosquitto::password_hash(Sensitive('s3cret'), "publisher@${facts['networking']['fqdn']}")
  dispatch :password_hash do
    param 'Sensitive[String[1]]', :password
    param 'String[1]', :seed
    return_type 'Sensitive[String]'
  end

  def password_hash(password, seed)
    # mosquitto 2.0: PW_DEFAULT_ITERATIONS 101, SALT_LEN 12, SHA-512 output 64 bytes.
    # (Locals, not constants: the block is class_eval'd, so constants would land in Object.)
    iterations = 101
    clear = password.unwrap
    salt = OpenSSL::HMAC.digest('SHA256', seed, clear)[0, 12]
    digest = OpenSSL::PKCS5.pbkdf2_hmac(clear, salt, iterations, 64, 'sha512')
    Puppet::Pops::Types::PSensitiveType::Sensitive.new(
      "$7$#{iterations}$#{Base64.strict_encode64(salt)}$#{Base64.strict_encode64(digest)}",
    )
  end
end
