#!/usr/bin/env python3
"""moto 5.2.1's server with the patches NetLabCloud's stack needs (test only; scripts/rehearse-aws.sh runs it).

    python3 tests/aws/netlab_moto.py PORT      # serves on 127.0.0.1:PORT, like `moto_server -H 127.0.0.1 -p PORT`
    NETLAB_MOTO_SKIP=keypair,instance ...       # leaves those patches out (to see a gap again, or a check fail)

Each patch below names the gap it closes, as measured on this stack (`cdk deploy` / `cdk destroy` of NetLabCloud)
with moto 5.2.1. The patches reach into moto's internals, so the launcher refuses any other moto version: when
moto changes, measure the gaps again before moving the pin.
"""

import ipaddress
import itertools
import os
import sys
from urllib.parse import urlparse

PINNED = "5.2.1"
# The public addresses instances get: a benchmarking range (RFC 2544) that never leaves the machine; the
# rehearsal makes it local to its network namespace, so the agent it runs there answers at the instance's address.
# NETLAB_MOTO_PUBLIC_RANGE sets another (the CLI's tests use 127.0.0.1/32: every host is an agent on loopback).
PUBLIC_RANGE = ipaddress.ip_network(os.environ.get("NETLAB_MOTO_PUBLIC_RANGE") or "198.18.100.0/24")

import moto  # noqa: E402

if moto.__version__ != PINNED:
    sys.exit(f"netlab_moto: needs moto {PINNED} exactly (these patches reach into its internals), found {moto.__version__}: "
             f'pip install "moto[server]=={PINNED}"')

from moto.cloudformation import models as cfn_models, parsing, responses as cfn_responses, utils as cfn_utils  # noqa: E402
from moto.cloudformation.custom_model import CustomModel  # noqa: E402
from moto.cloudformation.exceptions import ValidationError  # noqa: E402
from moto.core.common_models import CloudFormationModel  # noqa: E402
from moto.core.utils import utcnow  # noqa: E402
from moto.ec2.models import ec2_backends  # noqa: E402
from moto.ec2.models import elastic_network_interfaces as enis  # noqa: E402
from moto.ec2.models.instances import Instance  # noqa: E402
from moto.ec2.models.internet_gateways import InternetGateway  # noqa: E402
from moto.ec2.models.route_tables import Route, RouteTable  # noqa: E402
from moto.ec2.models.subnets import SubnetRouteTableAssociation  # noqa: E402
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment  # noqa: E402
from moto.ssm.models import ssm_backends  # noqa: E402

PATCHES = ("template-url", "keypair", "instance", "public-ip", "launch-time", "restrict-default-sg", "change-set-outputs",
           "get-azs", "stack-events", "network-delete")
SKIP = {name for name in os.environ.get("NETLAB_MOTO_SKIP", "").split(",") if name}
if SKIP - set(PATCHES):
    sys.exit(f"netlab_moto: NETLAB_MOTO_SKIP names no patch: {sorted(SKIP - set(PATCHES))}; the patches: {', '.join(PATCHES)}")


def patch(name, *targets):
    """Sets each (owner, attribute, value) of the patch called name, unless NETLAB_MOTO_SKIP names it."""
    if name not in SKIP:
        for owner, attribute, value in targets:
            setattr(owner, attribute, value)


# Gap: with AWS_ENDPOINT_URL the CDK uploads the template to http://127.0.0.1:PORT/BUCKET/KEY (path style) and
# passes that as TemplateURL; moto reads the bucket from the host name ("127"): "The specified bucket does not exist".
_get_stack_from_s3_url = cfn_utils.get_stack_from_s3_url


def get_stack_from_s3_url(template_url, account_id, partition):
    url = urlparse(template_url)
    if url.hostname and (url.hostname == "localhost" or _is_ip(url.hostname)):
        template_url = f"http://localhost/{url.path.lstrip('/')}"  # moto reads "localhost" URLs path style
    return _get_stack_from_s3_url(template_url, account_id=account_id, partition=partition)


def _is_ip(host):
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


patch("template-url", *[(module, "get_stack_from_s3_url", get_stack_from_s3_url) for module in (cfn_utils, cfn_models, cfn_responses)])


# Gap: AWS::EC2::KeyPair has no CloudFormation model, so Fn::GetAtt KeyPairId makes DescribeStacks answer 500.
# Modelled as AWS does it: Ref is the key name, KeyPairId the key-... id, and the private key of a created key
# pair goes to SSM Parameter Store as /ec2/keypair/<id> (what the stack's FetchKeyCommand output reads).
class KeyPairResource(CloudFormationModel):
    __module__ = "moto.ec2.netlab_moto"  # moto files each model under the service its module names

    def __init__(self, key_pair, account_id, region_name):
        self.key_pair = key_pair
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::KeyPair"

    @staticmethod
    def cloudformation_name_type():
        return "KeyName"

    @property
    def physical_resource_id(self):
        return self.key_pair.key_name

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("KeyPairId", "KeyFingerprint")

    def get_cfn_attribute(self, attribute_name):
        return {"KeyPairId": self.key_pair.id, "KeyFingerprint": self.key_pair.key_fingerprint}[attribute_name]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        tags = {t["Key"]: t["Value"] for t in properties.get("Tags", [])}
        ec2 = ec2_backends[account_id][region_name]
        if "PublicKeyMaterial" in properties:
            key_pair = ec2.import_key_pair(properties.get("KeyName", resource_name), properties["PublicKeyMaterial"], tags)
        else:
            key_pair = ec2.create_key_pair(properties.get("KeyName", resource_name), properties.get("KeyType", "rsa"), tags)
            ssm_backends[account_id][region_name].put_parameter(
                name=f"/ec2/keypair/{key_pair.id}", description=None, value=key_pair.key_material, parameter_type="SecureString",
                allowed_pattern=None, keyid=None, overwrite=False, tags=[], data_type="text", tier=None, policies=None)
        return cls(key_pair, account_id, region_name)

    def delete(self, account_id, region_name):
        ec2_backends[account_id][region_name].delete_key_pair(self.key_pair.key_name)
        ssm_backends[account_id][region_name].delete_parameters([f"/ec2/keypair/{self.key_pair.id}"])


# Gap: the Instance model reads only ImageId, InstanceType, SubnetId, SecurityGroups (names), KeyName, UserData,
# BlockDeviceMappings, Tags and IamInstanceProfile. It ignores NetworkInterfaces, SecurityGroupIds and LaunchTemplate,
# so the CDK's instance lands in the default VPC with the default security group, and IMDSv1 allowed.
def create_instance(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    properties = cloudformation_json["Properties"]
    ec2 = ec2_backends[account_id][region_name]
    nic = next((n for n in properties.get("NetworkInterfaces", []) if str(n.get("DeviceIndex", "0")) == "0"), {})
    run = {}
    if "LaunchTemplate" in properties:
        template = dict(properties["LaunchTemplate"])
        template["Version"] = str(template.get("Version", "$Default"))
        run["launch_template"] = template
        data = ec2._get_template_from_args(template).data
        run["metadata_options"] = data.get("MetadataOptions", {})  # run_instances takes none of it from the template
    associate = nic.get("AssociatePublicIpAddress")
    reservation = ec2.run_instances(
        image_id=properties["ImageId"],
        user_data=properties.get("UserData"),
        count=1,
        security_group_names=properties.get("SecurityGroups", []),
        security_group_ids=list(nic.get("GroupSet", properties.get("SecurityGroupIds", []))),
        instance_type=properties.get("InstanceType", "m1.small"),
        is_instance_type_default=not properties.get("InstanceType"),
        subnet_id=nic.get("SubnetId", properties.get("SubnetId")),
        associate_public_ip=None if associate is None else str(associate).lower() == "true",
        key_name=properties.get("KeyName"),
        private_ip=nic.get("PrivateIpAddress", properties.get("PrivateIpAddress")),
        block_device_mappings=properties.get("BlockDeviceMappings", {}),
        instance_initiated_shutdown_behavior=properties.get("InstanceInitiatedShutdownBehavior"),
        **run,
    )
    instance = reservation.instances[0]
    for tag in properties.get("Tags", []):
        instance.add_tag(tag["Key"], tag["Value"])
    if properties.get("IamInstanceProfile"):
        ec2.associate_iam_instance_profile(instance_id=instance.id, iam_instance_profile_name=properties["IamInstanceProfile"])
    return instance


patch("instance", (Instance, "create_from_cloudformation_json", classmethod(create_instance)))


# Gap: public addresses are random 54.214.x.y (real AWS space, unreachable here, and may repeat). Instances get
# them from PUBLIC_RANGE instead, the next one at every start (a stop and start gives a new public address, as in
# EC2), so the rehearsal can make them local and tell the new address from the old.
_public_addresses = itertools.cycle([str(a) for a in PUBLIC_RANGE.hosts() if PUBLIC_RANGE.num_addresses == 1 or int(a) & 0xFF >= 10])
patch("public-ip", (enis, "random_public_ip", lambda: next(_public_addresses)))


# Gap: a start leaves the launch time at the first launch; EC2 sets it at every start (netlab status counts the
# uptime, the cost and the cost ceiling's stop from it).
_start = Instance.start


def start_instance(self):
    previous = _start(self)
    if previous.name != "running":
        self.launch_time = utcnow()
    return previous


patch("launch-time", (Instance, "start", start_instance))


# Gap: a Lambda-backed custom resource runs its Lambda in Docker, and without Docker the stack never completes.
# The CDK's Custom::VpcRestrictDefaultSG is done here instead, as its Lambda does it: every ingress and egress
# rule of the VPC's default security group revoked. Other custom resources keep moto's behaviour.
_create_custom = CustomModel.create_from_cloudformation_json.__func__


def create_custom(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    if kwargs.get("ResourceType") != "Custom::VpcRestrictDefaultSG":
        return _create_custom(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    ec2 = ec2_backends[account_id][region_name]
    group = ec2.get_security_group_from_id(cloudformation_json["Properties"]["DefaultSecurityGroupId"])
    if group.ingress_rules:
        ec2.revoke_security_group_ingress(group.id, None, None, None, [], security_rule_ids=[r.id for r in group.ingress_rules])
    if group.egress_rules:
        ec2.revoke_security_group_egress(group.id, None, None, None, [], security_rule_ids=[r.id for r in group.egress_rules])
    resource = CustomModel(region_name, "netlab-moto", kwargs["LogicalId"], resource_name)
    resource.set_data({})
    return resource


patch("restrict-default-sg", (CustomModel, "create_from_cloudformation_json", classmethod(create_custom)))


# Gap: a stack created by a change set (as cdk deploy creates it) has no outputs: the stack's template and outputs
# stay those of the empty stack the change set started from.
_execute_change_set = cfn_models.CloudFormationBackend.execute_change_set


def execute_change_set(self, change_set_name, stack_name=None):
    _execute_change_set(self, change_set_name, stack_name)
    change_set = self.change_sets.get(change_set_name) or next(
        c for c in self.change_sets.values() if c.change_set_name == change_set_name)
    stack = self.stacks[change_set.stack_id]
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.output_map = stack._create_output_map()


patch("change-set-outputs", (cfn_models.CloudFormationBackend, "execute_change_set", execute_change_set))


# Gap: Fn::GetAZs answers us-east-1's zones whatever the stack's region.
_clean_json = parsing.clean_json


def clean_json(resource_json, resources_map):
    if isinstance(resource_json, dict) and "Fn::GetAZs" in resource_json:
        region = _clean_json(resource_json["Fn::GetAZs"], resources_map) or resources_map._region_name
        zones = ec2_backends[resources_map._account_id][region].describe_availability_zones()
        return [zone.name for zone in zones]
    return _clean_json(resource_json, resources_map)


patch("get-azs", (parsing, "clean_json", clean_json))  # clean_json recurses through the module's name: nested uses come here too


# Gap: DescribeStackEvents of a stack that is gone answers "Stack with id X does not exist"; CloudFormation says
# "Stack [X] does not exist", the only answer the CDK's event poller takes as "deleted". (aws-cdk 2.1148.1 polls by
# the stack's ARN, which moto still finds after the delete, so this run does not reach it; a poll by name would.)
_describe_stack_events = cfn_models.CloudFormationBackend.describe_stack_events


def describe_stack_events(self, stack_name):
    try:
        return _describe_stack_events(self, stack_name)
    except ValidationError:
        raise ValidationError(stack_name, message=f"Stack [{stack_name}] does not exist")


patch("stack-events", (cfn_models.CloudFormationBackend, "describe_stack_events", describe_stack_events))


# Gap: VPCGatewayAttachment, RouteTable, Route, SubnetRouteTableAssociation and InternetGateway have no
# CloudFormation delete, so deleting the stack leaves them, and then the VPC cannot go either.
def _ec2(account_id, region_name):
    return ec2_backends[account_id][region_name]


def delete_attachment(self, account_id, region_name):
    if self.gateway_id.startswith("igw-"):
        _ec2(account_id, region_name).detach_internet_gateway(self.gateway_id, self.vpc_id)
    else:
        _ec2(account_id, region_name).detach_vpn_gateway(self.gateway_id, self.vpc_id)


def delete_route_table(self, account_id, region_name):  # DependencyViolation while associated: deleted on a later pass
    _ec2(account_id, region_name).delete_route_table(self.id)


def delete_association(self, account_id, region_name):  # moto keeps no association id on it: found by subnet
    ec2 = _ec2(account_id, region_name)
    if self.route_table_id not in ec2.route_tables:
        return  # deleting the subnet ended it, and then its route table went
    for association, target in list(ec2.route_tables[self.route_table_id]._associations.items()):
        if target == self.subnet_id:
            ec2.disassociate_route_table(association)


def delete_route(self, account_id, region_name):
    if self.route_table.id not in _ec2(account_id, region_name).route_tables:
        return  # went with its route table
    _ec2(account_id, region_name).delete_route(
        self.route_table.id, self.destination_cidr_block, self.destination_ipv6_cidr_block, self.destination_prefix_list_id)


def delete_internet_gateway(self, account_id, region_name):
    _ec2(account_id, region_name).delete_internet_gateway(self.id)


patch("network-delete", (VPCGatewayAttachment, "delete", delete_attachment), (RouteTable, "delete", delete_route_table),
      (SubnetRouteTableAssociation, "delete", delete_association), (Route, "delete", delete_route),
      (InternetGateway, "delete", delete_internet_gateway))

# A new CloudFormation model (KeyPairResource, a subclass) counts once moto's cached model list is made again.
parsing.get_model_list.cache_clear()
parsing.get_model_map.cache_clear()
parsing.get_name_type_map.cache_clear()
if "keypair" in SKIP:
    parsing.get_model_map().pop(KeyPairResource.cloudformation_type())


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: netlab_moto.py PORT   (serves on 127.0.0.1:PORT)")
    from moto.server import main as moto_server

    moto_server(["--host", "127.0.0.1", "--port", sys.argv[1]])


if __name__ == "__main__":
    main()
