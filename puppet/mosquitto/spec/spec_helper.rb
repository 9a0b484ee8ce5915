# frozen_string_literal: true

# rspec-puppet catalog tests, offline: Debian 12's puppet 7, rspec-puppet and
# puppetlabs_spec_helper packages, and the stdlib module from /usr/share/puppet/modules.
RSpec.configure { |c| c.mock_with :rspec } # before the helper: silences mocha's deprecation
require 'puppetlabs_spec_helper/module_spec_helper'

# Hand-written Debian 12 facts: rspec-puppet-facts' facterdb has none for Debian 12, and
# on_supported_os would quietly yield no examples at all.
DEBIAN_12_FACTS = {
  'os' => {
    'family' => 'Debian',
    'name' => 'Debian',
    'release' => { 'major' => '12', 'minor' => '0', 'full' => '12.0' },
    'architecture' => 'amd64',
  },
  'networking' => { 'fqdn' => 'broker.example.org', 'hostname' => 'broker', 'domain' => 'example.org' },
  'kernel' => 'Linux',
  'path' => '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
}.freeze

RSpec.configure do |c|
  # What Puppet 8 does by default: unknown variables and other sloppiness are errors.
  c.strict_variables = true
  c.default_facts = DEBIAN_12_FACTS
  c.before(:each) { Puppet[:strict] = :error }
end

# The text of a catalog file resource, unwrapped when it is Sensitive.
def file_content(path)
  resource = catalogue.resource('File', path)
  raise "no File[#{path}] in the catalog" if resource.nil?

  content = resource[:content]
  content.respond_to?(:unwrap) ? content.unwrap : content
end
