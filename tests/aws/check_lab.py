#!/usr/bin/env python3
"""What scripts/rehearse-aws.sh asks of the emulated AWS (boto3; endpoint, region and credentials from the environment).

    check_lab.py host CIDR      the lab host as the stack made it: prints one line per finding, then "instance ID IP"
    check_lab.py stop ID        stops the instance and waits until it is stopped
    check_lab.py gone           nothing of the lab is left: no stack, no lab instance, no VPC but the default one
Exit status: 0 when every finding holds, 1 otherwise.
"""

import ipaddress
import sys
import time

import boto3
from botocore.exceptions import ClientError

STACK = "NetLabCloud"
TAG_KEY, TAG_VALUE, MAX_HOURS_KEY = "netlab:lab", "NetLabCloud", "netlab:max-hours"  # NetLab.Agent's LabTag
PUBLIC_RANGE = ipaddress.ip_network("198.18.100.0/24")  # tests/aws/netlab_moto.py's

ec2 = boto3.client("ec2")
failures = []


def finding(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


def stack_resources():
    resources = boto3.client("cloudformation").describe_stack_resources(StackName=STACK)["StackResources"]
    return {r["ResourceType"]: r["PhysicalResourceId"] for r in resources if "ResourceType" in r}


def host(cidr):
    resources = stack_resources()
    subnet, group_id = resources["AWS::EC2::Subnet"], resources["AWS::EC2::SecurityGroup"]
    hosts = [i for r in ec2.describe_instances(Filters=[{"Name": f"tag:{TAG_KEY}", "Values": [TAG_VALUE]},
                                                        {"Name": "instance-state-name", "Values": ["running", "pending"]}])["Reservations"]
             for i in r["Instances"]]
    finding(len(hosts) == 1, f"one running lab host tagged {TAG_KEY}={TAG_VALUE} (found {[i['InstanceId'] for i in hosts]})")
    if len(hosts) != 1:
        return
    i = hosts[0]
    finding(i["InstanceId"] == resources["AWS::EC2::Instance"], f"it is the stack's instance {resources['AWS::EC2::Instance']}")
    finding(i.get("SubnetId") == subnet, f"in the stack's subnet {subnet} (is in {i.get('SubnetId')}, VPC {i.get('VpcId')})")
    groups = [g["GroupId"] for g in i.get("SecurityGroups", [])]
    finding(groups == [group_id], f"with the lab security group {group_id} alone (has {groups})")
    rules = set()
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    for p in group["IpPermissions"]:
        for source in [r["CidrIp"] for r in p.get("IpRanges", [])] + [r["CidrIpv6"] for r in p.get("Ipv6Ranges", [])] + \
                [g["GroupId"] for g in p.get("UserIdGroupPairs", [])] + [x["PrefixListId"] for x in p.get("PrefixListIds", [])]:
            rules.add((p["IpProtocol"], p.get("FromPort"), p.get("ToPort"), source))
    wanted = {("tcp", 22, 22, cidr), ("tcp", 11211, 11211, cidr), ("udp", 11211, 11211, cidr)}
    finding(rules == wanted, f"which admits exactly 22/tcp, 11211/tcp, 11211/udp from {cidr} (admits {sorted(rules)})")
    tokens = i.get("MetadataOptions", {}).get("HttpTokens")
    finding(tokens == "required", f"IMDSv2 required (HttpTokens={tokens})")
    tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
    finding(tags.get(TAG_KEY) == TAG_VALUE and tags.get(MAX_HOURS_KEY, "").isdigit(),
            f"tagged {TAG_KEY}={TAG_VALUE} and {MAX_HOURS_KEY} (has {TAG_KEY}={tags.get(TAG_KEY)}, {MAX_HOURS_KEY}={tags.get(MAX_HOURS_KEY)})")
    key = ec2.describe_key_pairs(KeyNames=[i.get("KeyName", "")])["KeyPairs"][0]
    parameter = f"/ec2/keypair/{key['KeyPairId']}"
    try:
        private = boto3.client("ssm").get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
    except ClientError as e:
        private = str(e)
    finding("PRIVATE KEY-----" in private, f"its key pair {i.get('KeyName')}'s private key in SSM {parameter}")
    ip = i.get("PublicIpAddress")
    finding(ip is not None and ipaddress.ip_address(ip) in PUBLIC_RANGE, f"a public address in {PUBLIC_RANGE} (has {ip})")
    default = [g for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [i.get("VpcId", "")]},
                                                                {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]]
    finding(len(default) == 1 and not default[0]["IpPermissions"] and not default[0]["IpPermissionsEgress"],
            "the VPC's default security group has no rules left (restrictDefaultSecurityGroup)")
    if not failures:
        print(f"instance {i['InstanceId']} {ip}")


def stop(instance_id):
    ec2.stop_instances(InstanceIds=[instance_id])
    for _ in range(30):
        state = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["State"]["Name"]
        if state == "stopped":
            finding(True, f"{instance_id} stopped")
            return
        time.sleep(1)
    finding(False, f"{instance_id} stopped (is {state} after 30 s)")


def gone():
    try:
        stacks = boto3.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"]
        status = stacks[0]["StackStatus"] if stacks else "DELETE_COMPLETE"
    except ClientError as e:
        status = "none" if "does not exist" in str(e) else str(e)
    finding(status in ("none", "DELETE_COMPLETE"), f"no {STACK} stack (found {status})")
    left = [f"{i['InstanceId']} ({i['State']['Name']})" for r in ec2.describe_instances(
        Filters=[{"Name": f"tag:{TAG_KEY}", "Values": [TAG_VALUE]}])["Reservations"] for i in r["Instances"]
            if i["State"]["Name"] != "terminated"]
    finding(not left, f"no lab instance but terminated ones (left: {left})")
    vpcs = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    finding(not vpcs, f"no VPC but the default one (left: {vpcs})")
    gateways = [g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]
                if not any(a.get("VpcId") in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v.get("IsDefault")}
                           for a in g.get("Attachments", []))]
    finding(not gateways, f"no internet gateway of the lab (left: {gateways})")
    keys = [k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]]
    finding(not keys, f"no key pair (left: {keys})")
    secrets = [p["Name"] for p in boto3.client("ssm").get_parameters_by_path(Path="/ec2/keypair", Recursive=True)["Parameters"]]
    finding(not secrets, f"no private key left in SSM /ec2/keypair (left: {secrets})")


if __name__ == "__main__":
    commands = {"host": host, "stop": stop, "gone": gone}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
    sys.exit(1 if failures else 0)
