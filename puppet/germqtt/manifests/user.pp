# @summary Creates the system account germqtt runs as (private).
#
# @api private
class germqtt::user {
  assert_private()

  if $germqtt::manage_user {
    group { $germqtt::group:
      ensure => present,
      system => true,
    }

    user { $germqtt::user:
      ensure     => present,
      system     => true,
      gid        => $germqtt::group,
      home       => $germqtt::user_home,
      shell      => '/usr/sbin/nologin',
      comment    => 'germqtt, Gerrit events to MQTT',
      managehome => false,
      require    => Group[$germqtt::group],
    }

    file { $germqtt::user_home:
      ensure  => directory,
      owner   => $germqtt::user,
      group   => $germqtt::group,
      mode    => '0750',
      require => User[$germqtt::user],
    }
  }
}
